/**
 * `cfn-watchdog redrive list|show|apply`: the dead-letter queue (the watchdog stack's
 * `DeadLetterQueueUrl`), its messages as the stack-events function would read them, and their
 * events applied again as the function would have applied them — with the deployed stack's own
 * table, topic, bus and configuration.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SQSClient } from '@aws-sdk/client-sqs';
import Table from 'cli-table3';
import { clientConfig, type AwsClientConfig } from '../shared/adapters/aws-clients.ts';
import { ConfigurationError, EnvVar, readRuntimeConfig, type RuntimeConfig } from '../shared/adapters/env-config.ts';
import { wireApply } from '../shared/adapters/lambda-wiring.ts';
import { createSqsDeadLetterQueue } from '../shared/adapters/sqs-dead-letters.ts';
import type { Log } from '../shared/app/log.ts';
import {
  listDeadLetters,
  redriveDeadLetters,
  showDeadLetter,
  type DeadLetterEntry,
  type QueueRefusal,
  type RedriveEntry,
} from '../shared/app/redrive.ts';
import { parseStackArn } from '../shared/domain/events.ts';
import type { Clock, Instant } from '../shared/domain/time.ts';
import { UserInputError, WatchdogError } from '../shared/errors.ts';
import {
  DataSourceError,
  describeWatchdogStack,
  endpointUrl,
  stackOutput,
  unreachable,
  type WatchdogStackDescription,
} from './data-source.ts';
import { plural } from './text.ts';
import { NothingFoundError } from './timeline.ts';
import { zonedFormatter, type TimeFormatter } from './zoned-time.ts';

/** The outputs of template.yaml that `redrive` reads. */
export const RedriveOutput = {
  QUEUE: 'DeadLetterQueueUrl',
  TABLE: 'TableName',
  TOPIC: 'TopicArn',
  BUS: 'WindowEventsBusName',
} as const;

/** How many messages a command looks at unless `--max` says: more than a bad day leaves, fewer than a loop. */
export const DEFAULT_MAX = 1000;

export interface RedriveFlags {
  queueUrl?: string;
  watchdogStack?: string;
  endpoint?: string;
  region?: string;
  profile?: string;
  max?: string;
  tz?: string;
  format?: 'table' | 'json';
}

/** A flag of `redrive` that is missing, contradicts another or does not parse. */
export class RedriveFlagError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RedriveFlagError';
  }
}

/** The deployed stack's parameters do not make a configuration the functions could run with. */
export class DeployedConfigError extends WatchdogError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DeployedConfigError';
  }
}

/**
 * The functions' environment as template.yaml builds it from the stack's parameters and
 * resources (`Globals.Function.Environment`), so that a redrive reads it as they do.
 *
 * @example
 * readRuntimeConfig(environmentOfStack(await describeWatchdogStack(client, 'cfn-watchdog', where)));
 */
export function environmentOfStack(stack: WatchdogStackDescription): Record<string, string | undefined> {
  const { parameters, outputs } = stack;
  const organisation = (parameters.OrganizationId ?? '') !== '';
  const ref = parseStackArn(stack.stackId);
  return {
    [EnvVar.TABLE_NAME]: outputs[RedriveOutput.TABLE],
    [EnvVar.TOPIC_ARN]: outputs[RedriveOutput.TOPIC],
    [EnvVar.THRESHOLDS]: parameters.Thresholds,
    [EnvVar.SERVICE_RULES]: parameters.ServiceRules,
    [EnvVar.ALLOWED_SERVICE_TAGS]: parameters.AllowedServiceTags,
    [EnvVar.GRACE]: parameters.Grace,
    [EnvVar.EVENT_BUS_NAME]: outputs[RedriveOutput.BUS],
    [EnvVar.MUTE]: parameters.MutedStacks,
    [EnvVar.REPEAT_CRITICAL_EVERY]: parameters.RepeatCriticalEvery,
    [EnvVar.HEADS_UP]: parameters.HeadsUp,
    [EnvVar.MEMBER_READ_ROLE]: organisation ? parameters.MemberReadRoleName : '',
    [EnvVar.MEMBER_READ_EXTERNAL_ID]: organisation ? parameters.MemberReadRoleExternalId : '',
    [EnvVar.HOME_ACCOUNT]: ref?.account,
    AWS_REGION: ref?.region,
  };
}

function maxOf(flag: string | undefined): number {
  if (flag === undefined) return DEFAULT_MAX;
  if (!/^[1-9]\d{0,6}$/.test(flag)) {
    throw new RedriveFlagError(`--max: expected a whole number of messages from 1, got '${flag}'`);
  }
  return Number(flag);
}

interface Opened {
  readonly queue: ReturnType<typeof createSqsDeadLetterQueue>;
  readonly aws: AwsClientConfig;
  readonly stack: WatchdogStackDescription | null;
  /** Where, for messages: the region or the endpoint. */
  readonly where: string;
  close(): void;
}

/** The queue `--queue-url` or `--watchdog-stack` names, and the deployed stack when named. */
/** `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`, as SQS gives a queue's URL (China's `.com.cn` too). */
const AWS_QUEUE_URL =
  /^https:\/\/sqs\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?\/(\d{12})\/([\w-]{1,80}(?:\.fifo)?)$/;

/**
 * The region a `--queue-url` names, checked against `--aws-region`; `undefined` with `--endpoint`
 * (an emulator's URLs are its own).
 *
 * @example
 * queueRegion({ queueUrl: 'https://sqs.eu-central-1.amazonaws.com/123456789012/dlq' }); // 'eu-central-1'
 */
export function queueRegion(flags: Pick<RedriveFlags, 'queueUrl' | 'region' | 'endpoint'>): string | undefined {
  if (flags.queueUrl === undefined || flags.endpoint !== undefined) return flags.region;
  const match = AWS_QUEUE_URL.exec(flags.queueUrl);
  if (match === null) {
    const example = 'https://sqs.eu-central-1.amazonaws.com/123456789012/cfn-watchdog-EventsDeadLetterQueue-AbC';
    throw new RedriveFlagError(`--queue-url: expected an SQS queue URL such as ${example}, got '${flags.queueUrl}'`);
  }
  const region = match[1];
  if (flags.region !== undefined && flags.region !== region) {
    throw new RedriveFlagError(`--queue-url is a queue in ${region}, but --aws-region says ${flags.region}: give one`);
  }
  return region;
}

async function openQueue(flags: RedriveFlags, command: string): Promise<Opened> {
  if (flags.queueUrl === undefined && flags.watchdogStack === undefined) {
    throw new RedriveFlagError(
      `redrive ${command}: say which queue: --queue-url URL, or --watchdog-stack NAME (its DeadLetterQueueUrl output)`,
    );
  }
  const region = queueRegion(flags);
  // An endpoint is a local emulator (as --endpoint of the read commands): any credentials do.
  const local = { accessKeyId: 'local', secretAccessKey: 'local' };
  const aws: AwsClientConfig =
    flags.endpoint === undefined
      ? clientConfig({ region, profile: flags.profile })
      : { endpoint: endpointUrl(flags.endpoint), region: region ?? 'us-east-1', credentials: local };
  const client = new SQSClient(aws);
  const resolvedRegion = await client.config.region().catch(() => undefined);
  if (!resolvedRegion) {
    client.destroy();
    throw new DataSourceError('no AWS region: pass --aws-region or set AWS_REGION (or a region in your AWS profile)');
  }
  const where = flags.endpoint ?? resolvedRegion;
  try {
    const name = flags.watchdogStack;
    const stack = name === undefined ? null : await describeWatchdogStack(new CloudFormationClient(aws), name, where);
    const queueUrl =
      flags.queueUrl ?? stackOutput(stack as WatchdogStackDescription, name ?? '', where, RedriveOutput.QUEUE);
    return { queue: createSqsDeadLetterQueue({ client, queueUrl }), aws, stack, where, close: () => client.destroy() };
  } catch (error) {
    client.destroy();
    throw error;
  }
}

/** Says what a failed SQS call means in terms of the flags. */
function explain(error: unknown, opened: Opened): unknown {
  const unanswered = opened.aws.endpoint === undefined ? null : unreachable(error, opened.aws.endpoint);
  if (unanswered) return unanswered;
  if (!(error instanceof Error)) return error;
  if (error.name === 'QueueDoesNotExist' || error.name === 'AWS.SimpleQueueService.NonExistentQueue') {
    return new DataSourceError(`queue ${opened.queue.describe} not found in ${opened.where}`, { cause: error });
  }
  if (error.name === 'CredentialsProviderError') {
    return new DataSourceError(`no AWS credentials: ${error.message}`, { cause: error });
  }
  if (error.name === 'AccessDeniedException' || error.name === 'AccessDenied') {
    return new DataSourceError(`access denied to queue ${opened.queue.describe}: ${error.message}`, { cause: error });
  }
  return error;
}

async function withQueue<T>(flags: RedriveFlags, command: string, use: (opened: Opened) => Promise<T>): Promise<T> {
  const opened = await openQueue(flags, command);
  try {
    return await use(opened);
  } catch (error) {
    throw explain(error, opened);
  } finally {
    opened.close();
  }
}

/** One message as the JSON prints it: times in `--tz` (default UTC). */
function entryJson(entry: DeadLetterEntry, format: TimeFormatter) {
  const time = (at: Instant | null): string | null => (at === null ? null : format(at));
  return {
    messageId: entry.messageId,
    kind: entry.kind,
    eventId: entry.eventId,
    stack: entry.stackName,
    stackId: entry.stackId,
    status: entry.status,
    time: time(entry.time),
    sentAt: time(entry.sentAt),
    receiveCount: entry.receiveCount,
    failure: entry.failure,
    problem: entry.problem,
  };
}

/** What became of the message, after its outcome: a dry run keeps every one, so says nothing. */
const fate = (entry: Partial<RedriveEntry>): string =>
  entry.deleted ? ', deleted' : entry.outcome === 'would-apply' ? '' : ', kept';

function entriesTable(
  entries: readonly (DeadLetterEntry & Partial<RedriveEntry>)[],
  format: TimeFormatter,
  applied: boolean,
): string {
  const head = ['message', 'kind', 'stack', 'status', 'time', 'why it failed'];
  const table = new Table({
    head: applied ? [...head, 'what happened'] : [...head, 'can it be applied'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [null, null, null, null, null, 40, 40],
  });
  for (const entry of entries) {
    const outcome =
      entry.outcome === undefined
        ? (entry.problem ?? 'yes')
        : [`${entry.outcome}${fate(entry)}`, entry.why ?? ''].filter(Boolean).join('\n');
    table.push([
      `${entry.messageId}${entry.eventId ? `\nevent ${entry.eventId}` : ''}`,
      entry.kind ?? 'unrecognised',
      entry.stackName ?? '',
      entry.status ?? '',
      entry.time === null ? '' : format(entry.time),
      entry.failure ?? '',
      outcome,
    ]);
  }
  return table.toString();
}

function warnNotReleased(notReleased: readonly QueueRefusal[], log: Log): void {
  for (const refusal of notReleased) {
    log.warn('the queue did not release a message: it stays hidden until its visibility timeout runs out', {
      ...refusal,
    });
  }
}

/**
 * `redrive list`: what waits in the queue, parsed as the function would parse it now.
 *
 * @example
 * process.stdout.write(await listRedrive({ watchdogStack: 'cfn-watchdog' }, Date.now, true, log));
 */
export async function listRedrive(flags: RedriveFlags, clock: Clock, isTty: boolean, log: Log): Promise<string> {
  const max = maxOf(flags.max);
  const format = zonedFormatter(flags.tz);
  return withQueue(flags, 'list', async (opened) => {
    const { entries, notReleased } = await listDeadLetters(opened.queue, { max, clock });
    warnNotReleased(notReleased, log);
    if ((flags.format ?? (isTty ? 'table' : 'json')) === 'json') {
      const messages = entries.map((entry) => entryJson(entry, format));
      return `${JSON.stringify({ queue: opened.queue.describe, messages }, null, 2)}\n`;
    }
    const more = entries.length === max ? ` (--max ${max}; there may be more)` : '';
    const heading = `Dead letters in ${opened.queue.describe}: ${entries.length}${more}`;
    return entries.length === 0 ? `${heading}\n` : `${heading}\n${entriesTable(entries, format, false)}\n`;
  });
}

/**
 * `redrive show ID`: one message, with its attributes and the event it holds (unwrapped from a
 * Lambda record); {@link NothingFoundError} when the queue has no such message.
 *
 * @example
 * process.stdout.write(await showRedrive('3f0c…', { queueUrl }, Date.now, log));
 */
export async function showRedrive(messageId: string, flags: RedriveFlags, clock: Clock, log: Log): Promise<string> {
  const max = maxOf(flags.max);
  const format = zonedFormatter(flags.tz);
  return withQueue(flags, 'show', async (opened) => {
    const { detail, looked, notReleased } = await showDeadLetter(opened.queue, messageId, { max, clock });
    warnNotReleased(notReleased, log);
    if (detail === null) {
      const among = `among the ${plural(looked, 'message')} of ${opened.queue.describe}`;
      throw new NothingFoundError(`redrive show: no message ${messageId} ${among}`);
    }
    // The event in full: a person reads it to see why it failed, and it may be long.
    const shown = { ...entryJson(detail, format), attributes: detail.attributes, event: detail.event };
    return `${JSON.stringify(shown, null, 2)}\n`;
  });
}

/** The deployed configuration, as the functions read it (`readRuntimeConfig`). */
function deployedConfig(stack: WatchdogStackDescription, name: string): RuntimeConfig {
  try {
    return readRuntimeConfig(environmentOfStack(stack));
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    const problem = `its outputs and parameters do not make a configuration (${error.message})`;
    throw new DeployedConfigError(`stack '${name}': ${problem}`, { cause: error });
  }
}

/**
 * `redrive apply [--dry-run]`: applies each message's event again and deletes the message once
 * the use case accepted it; answers what to print and whether every message left the queue.
 *
 * @example
 * const { output, allDeleted } = await applyRedrive({ watchdogStack: 'cfn-watchdog' }, Date.now, false, log);
 */
export async function applyRedrive(
  flags: RedriveFlags & { dryRun?: boolean },
  clock: Clock,
  isTty: boolean,
  log: Log,
): Promise<{ output: string; allDeleted: boolean }> {
  const max = maxOf(flags.max);
  const format = zonedFormatter(flags.tz);
  const dryRun = flags.dryRun === true;
  if (!dryRun && flags.watchdogStack === undefined) {
    throw new RedriveFlagError(
      'redrive apply: give --watchdog-stack NAME: the events are applied with its table, topic, bus and ' +
        'configuration (or --dry-run)',
    );
  }
  return withQueue(flags, 'apply', async (opened) => {
    const { stack } = opened;
    const config = dryRun || stack === null ? null : deployedConfig(stack, flags.watchdogStack ?? '');
    const deps = config === null ? null : wireApply(config, log, opened.aws, clock);
    const { entries, notReleased } = await redriveDeadLetters(opened.queue, deps, { max, dryRun, clock });
    warnNotReleased(notReleased, log);
    const allDeleted = entries.every((entry) => entry.deleted || (dryRun && entry.outcome === 'would-apply'));
    if ((flags.format ?? (isTty ? 'table' : 'json')) === 'json') {
      const messages = entries.map((entry) => {
        const { outcome, deleted, why } = entry;
        return { ...entryJson(entry, format), outcome, deleted, why };
      });
      return { output: `${JSON.stringify({ queue: opened.queue.describe, dryRun, messages }, null, 2)}\n`, allDeleted };
    }
    const deleted = entries.filter((entry) => entry.deleted).length;
    const messages = plural(entries.length, 'message');
    const heading = dryRun
      ? `Dry run on ${opened.queue.describe}: ${messages}, nothing written or deleted`
      : `Re-applied from ${opened.queue.describe}: ${messages}, ${deleted} deleted, ${entries.length - deleted} kept`;
    const more = entries.length === max ? ` (--max ${max}; there may be more: run it again)` : '';
    const table = entries.length === 0 ? '' : `${entriesTable(entries, format, true)}\n`;
    return { output: `${heading}${more}\n${table}`, allDeleted };
  });
}
