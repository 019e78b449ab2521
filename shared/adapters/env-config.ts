/**
 * The Lambdas' configuration, read once at cold start from the environment; a missing or bad
 * variable fails the cold start with a message naming it.
 */
import { DEFAULT_CONFIG, DEFAULT_GRACE, parseRepeatInterval, type WatchdogConfig } from '../domain/config.ts';
import { parseMutes } from '../domain/mute.ts';
import { parseServiceRules } from '../domain/service.ts';
import { parseAllowedServiceTags } from '../domain/service-tags.ts';
import { DEFAULT_THRESHOLD_SPEC, parseThresholds } from '../domain/thresholds.ts';
import { parseDuration } from '../domain/time.ts';
import { UserInputError } from '../errors.ts';

export class ConfigurationError extends UserInputError {
  readonly variable: string;

  constructor(variable: string, problem: string, options?: ErrorOptions) {
    super(`${variable}: ${problem}`, options);
    this.name = 'ConfigurationError';
    this.variable = variable;
  }
}

export const EnvVar = {
  TABLE_NAME: 'WATCHDOG_TABLE_NAME',
  TOPIC_ARN: 'WATCHDOG_TOPIC_ARN',
  THRESHOLDS: 'WATCHDOG_THRESHOLDS',
  SERVICE_RULES: 'WATCHDOG_SERVICE_RULES',
  ALLOWED_SERVICE_TAGS: 'WATCHDOG_ALLOWED_SERVICE_TAGS',
  GRACE: 'WATCHDOG_GRACE',
  EVENT_BUS_NAME: 'WATCHDOG_EVENT_BUS_NAME',
  MUTE: 'WATCHDOG_MUTE',
  REPEAT_CRITICAL_EVERY: 'WATCHDOG_REPEAT_CRITICAL_EVERY',
  HEADS_UP: 'WATCHDOG_HEADS_UP',
  ON_TIME_ESCALATION: 'WATCHDOG_ON_TIME_ESCALATION',
  MEMBER_READ_ROLE: 'WATCHDOG_MEMBER_READ_ROLE',
  MEMBER_READ_EXTERNAL_ID: 'WATCHDOG_MEMBER_READ_EXTERNAL_ID',
  HOME_ACCOUNT: 'WATCHDOG_HOME_ACCOUNT',
  OPS_TOPIC_ARN: 'WATCHDOG_OPS_TOPIC_ARN',
  KEY_ARN: 'WATCHDOG_KEY_ARN',
} as const;

/** Where window events go unless configured: every account has it, and rules on it cost nothing extra. */
export const DEFAULT_EVENT_BUS = 'default';

/**
 * Organisation-wide: how the functions ask CloudFormation about stacks outside their own account
 * and region — by assuming the read role forwarder.yaml creates in each member account.
 */
export interface MemberAccess {
  readonly roleName: string;
  readonly externalId: string | undefined;
  /** The watchdog's own account: its stacks are asked about with the function's own role. */
  readonly homeAccount: string;
  /** Where STS is asked for the member accounts' sessions. */
  readonly homeRegion: string;
}

export interface RuntimeConfig {
  readonly tableName: string;
  readonly topicArn: string;
  /** The EventBridge bus (name or ARN) that hears of impact windows opening and closing. */
  readonly eventBusName: string;
  /** `null`: one account and region; CloudFormation is asked with the function's own role. */
  readonly memberAccess: MemberAccess | null;
  readonly watchdog: WatchdogConfig;
}

const ROLE_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
const ACCOUNT_ID = /^\d{12}$/;

const EVENT_BUS = /^(arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[A-Za-z0-9._\-/]{1,256}$/;

type Environment = Readonly<Record<string, string | undefined>>;

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;

function required(env: Environment, variable: string): string {
  const value = env[variable]?.trim();
  if (!value) throw new ConfigurationError(variable, 'required, but not set');
  return value;
}

/** Empty counts as unset: a template parameter left at its empty default. */
function optional(env: Environment, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value ? value : undefined;
}

/** `true` or `false` (a template parameter's AllowedValues); unset or empty: `fallback`. */
function flag(env: Environment, variable: string, fallback: boolean): boolean {
  const value = optional(env, variable);
  if (value === undefined) return fallback;
  if (value !== 'true' && value !== 'false')
    throw new ConfigurationError(variable, `expected true or false, got '${value}'`);
  return value === 'true';
}

function parsed<T>(variable: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new ConfigurationError(variable, error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/**
 * Reads `WATCHDOG_TABLE_NAME` and `WATCHDOG_TOPIC_ARN` (required), `WATCHDOG_THRESHOLDS`,
 * `WATCHDOG_SERVICE_RULES` (rules separated by `;` or newlines), `WATCHDOG_ALLOWED_SERVICE_TAGS`
 * (`ACCOUNT=REGEX` entries separated by `;`; empty: every service tag honoured), `WATCHDOG_GRACE`,
 * `WATCHDOG_EVENT_BUS_NAME` (default: the account's default bus), `WATCHDOG_MUTE`
 * (expressions separated by `;`), `WATCHDOG_REPEAT_CRITICAL_EVERY` (a duration, or off), and
 * organisation-wide `WATCHDOG_MEMBER_READ_ROLE` (with `WATCHDOG_HOME_ACCOUNT`, `AWS_REGION` and
 * the optional `WATCHDOG_MEMBER_READ_EXTERNAL_ID`).
 *
 * @example
 * const config = readRuntimeConfig(process.env); // at module scope: fails the cold start
 */
export function readRuntimeConfig(env: Environment): RuntimeConfig {
  const tableName = required(env, EnvVar.TABLE_NAME);
  const topicArn = required(env, EnvVar.TOPIC_ARN);
  if (!SNS_TOPIC_ARN.test(topicArn)) {
    throw new ConfigurationError(
      EnvVar.TOPIC_ARN,
      `expected an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:alerts, got '${topicArn}'`,
    );
  }
  const watchdog: WatchdogConfig = {
    ...DEFAULT_CONFIG,
    thresholds: parsed(EnvVar.THRESHOLDS, () =>
      parseThresholds(optional(env, EnvVar.THRESHOLDS) ?? DEFAULT_THRESHOLD_SPEC),
    ),
    serviceRules: parsed(EnvVar.SERVICE_RULES, () => parseServiceRules(optional(env, EnvVar.SERVICE_RULES) ?? '')),
    allowedServiceTags: parsed(EnvVar.ALLOWED_SERVICE_TAGS, () =>
      parseAllowedServiceTags(optional(env, EnvVar.ALLOWED_SERVICE_TAGS) ?? ''),
    ),
    graceMs: parsed(EnvVar.GRACE, () => parseDuration(optional(env, EnvVar.GRACE) ?? DEFAULT_GRACE, 'grace')),
    mutes: parsed(EnvVar.MUTE, () => parseMutes(optional(env, EnvVar.MUTE) ?? '')),
    repeatCriticalEveryMs: parsed(EnvVar.REPEAT_CRITICAL_EVERY, () =>
      parseRepeatInterval(optional(env, EnvVar.REPEAT_CRITICAL_EVERY)),
    ),
    headsUp: flag(env, EnvVar.HEADS_UP, false),
  };
  const eventBusName = optional(env, EnvVar.EVENT_BUS_NAME) ?? DEFAULT_EVENT_BUS;
  if (!EVENT_BUS.test(eventBusName)) {
    throw new ConfigurationError(
      EnvVar.EVENT_BUS_NAME,
      `expected an EventBridge bus name or ARN (letters, digits, . - _ /), got '${eventBusName}'`,
    );
  }
  return { tableName, topicArn, eventBusName, memberAccess: memberAccessOf(env), watchdog };
}

function memberAccessOf(env: Environment): MemberAccess | null {
  const roleName = optional(env, EnvVar.MEMBER_READ_ROLE);
  if (roleName === undefined) return null;
  if (!ROLE_NAME.test(roleName)) {
    throw new ConfigurationError(
      EnvVar.MEMBER_READ_ROLE,
      `expected an IAM role name (letters, digits, + = , . @ _ -, at most 64), got '${roleName}'`,
    );
  }
  const homeAccount = required(env, EnvVar.HOME_ACCOUNT);
  if (!ACCOUNT_ID.test(homeAccount))
    throw new ConfigurationError(EnvVar.HOME_ACCOUNT, `expected a 12-digit account id, got '${homeAccount}'`);
  // Lambda sets AWS_REGION; outside Lambda it must be given like any variable.
  const homeRegion = required(env, 'AWS_REGION');
  return { roleName, externalId: optional(env, EnvVar.MEMBER_READ_EXTERNAL_ID), homeAccount, homeRegion };
}

/** The self-check's configuration: the functions' own, and where it pages and which key it checks. */
export interface SelfCheckConfig {
  readonly runtime: RuntimeConfig;
  /** Where the self-check pages: the ops topic, or the alerts topic when none is set. */
  readonly opsTopicArn: string;
  readonly keyArn: string;
}

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * Reads what {@link readRuntimeConfig} reads, and `WATCHDOG_KEY_ARN` (required) and
 * `WATCHDOG_OPS_TOPIC_ARN` (default: `WATCHDOG_TOPIC_ARN`).
 *
 * @example
 * const config = readSelfCheckConfig(process.env); // at module scope: fails the cold start
 */
export function readSelfCheckConfig(env: Environment): SelfCheckConfig {
  const runtime = readRuntimeConfig(env);
  const opsTopicArn = optional(env, EnvVar.OPS_TOPIC_ARN) ?? runtime.topicArn;
  if (!SNS_TOPIC_ARN.test(opsTopicArn)) {
    throw new ConfigurationError(
      EnvVar.OPS_TOPIC_ARN,
      `expected an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:ops, got '${opsTopicArn}'`,
    );
  }
  const keyArn = required(env, EnvVar.KEY_ARN);
  if (!KMS_KEY_ARN.test(keyArn)) {
    throw new ConfigurationError(
      EnvVar.KEY_ARN,
      `expected a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-…, got '${keyArn}'`,
    );
  }
  return { runtime, opsTopicArn, keyArn };
}

/** The sweeper's configuration: the functions' own, and whether it escalates on time. */
export interface SweeperConfig {
  readonly runtime: RuntimeConfig;
  /**
   * Wait within the invocation for the thresholds falling due before the next sweep and escalate
   * each at its instant (default), rather than at the first whole-minute sweep after it.
   */
  readonly onTimeEscalation: boolean;
}

/**
 * Reads what {@link readRuntimeConfig} reads, and `WATCHDOG_ON_TIME_ESCALATION` (`true` or
 * `false`; default `true`).
 *
 * @example
 * const { runtime, onTimeEscalation } = readSweeperConfig(process.env); // at module scope
 */
export function readSweeperConfig(env: Environment): SweeperConfig {
  return { runtime: readRuntimeConfig(env), onTimeEscalation: flag(env, EnvVar.ON_TIME_ESCALATION, true) };
}
