import { DEFAULT_ADAPTIVE, type AdaptiveSettings } from './adaptive.ts';
import { parseMute } from './mute.ts';
import { parseServiceRule, parseServiceRules, type ServiceRule } from './service.ts';
import { parseAllowedServiceTags, type AllowedServiceTags } from './service-tags.ts';
import { DEFAULT_THRESHOLD_SPEC, parseThresholds, type Thresholds } from './thresholds.ts';
import { MINUTE_MS, parseDuration, TimeFormatError, type Instant } from './time.ts';

/** Everything the rules are tuned by; the same for the Lambdas, the CLI and the tests. */
export interface WatchdogConfig {
  readonly thresholds: Thresholds;
  /** How the thresholds of `auto` types follow a stack's usual durations (adaptive.ts). */
  readonly adaptive: AdaptiveSettings;
  readonly serviceRules: readonly ServiceRule[];
  /**
   * The `cfn-watchdog:service` tags each account's stacks may carry (service-tags.ts); `null`:
   * every tag is honoured.
   */
  readonly allowedServiceTags: AllowedServiceTags | null;
  /** How long a service left with no stack waits for a replacement before its window closes. */
  readonly graceMs: number;
  /** How long a claimed notification may stay unsent before another invocation sends it. */
  readonly sendLeaseMs: number;
  /**
   * How late an event may arrive and still change operations and windows (EventBridge retries
   * for up to 24 hours by default); older settled history is folded away.
   */
  readonly lateEventHorizonMs: number;
  /** Events a stack's state holds before it is folded regardless of age (its item size). */
  readonly maxStackRecords: number;
  /** Stacks (by their name or their service's) whose notifications are not sent (mute.ts). */
  readonly mutes: readonly RegExp[];
  /**
   * A reminder for an operation still CRITICAL, every this long after its CRITICAL (like
   * Alertmanager's repeat_interval); `null`: off.
   */
  readonly repeatCriticalEveryMs: number | null;
  /**
   * Heads-ups (opt-in): an INFO at the first resource event of a known slow cause that usually
   * finishes (known-causes.ts, `headsUp`), once per operation; never a page, never on the bus.
   */
  readonly headsUp: boolean;
}

export const DEFAULT_GRACE = '60m';

/**
 * Whether an event arrived too late to count (DESIGN.md, late events): more than the late-event
 * horizon (7 days) after its own time. Such an event is kept in its stack's timeline only.
 *
 * @example
 * isBeyondHorizon({ time: Date.parse('2021-09-01T00:00:00Z') }, Date.parse('2021-09-21T00:00:00Z'), DEFAULT_CONFIG); //
 * true
 */
export function isBeyondHorizon(
  event: { readonly time: Instant },
  now: Instant,
  config: Pick<WatchdogConfig, 'lateEventHorizonMs'>,
): boolean {
  return now - event.time > config.lateEventHorizonMs;
}

export const DEFAULT_CONFIG: WatchdogConfig = {
  thresholds: parseThresholds(DEFAULT_THRESHOLD_SPEC),
  adaptive: DEFAULT_ADAPTIVE,
  serviceRules: [],
  allowedServiceTags: null,
  graceMs: 60 * MINUTE_MS,
  sendLeaseMs: 2 * MINUTE_MS,
  lateEventHorizonMs: 7 * 24 * 60 * MINUTE_MS,
  maxStackRecords: 40,
  mutes: [],
  repeatCriticalEveryMs: null,
  headsUp: false,
};

/**
 * `off` (or empty) or a duration (`<n>s`, `<n>m`, `<n>h`), as the reminder interval is written.
 *
 * @example
 * parseRepeatInterval('2h'); // 7_200_000
 */
export function parseRepeatInterval(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '' || text.trim() === 'off') return null;
  const every = parseDuration(text.trim(), 'repeat-critical-every');
  // The sweeper looks once a minute: a shorter interval could only mean a reminder every sweep.
  if (every < MINUTE_MS)
    throw new TimeFormatError(
      `repeat-critical-every: at least 1m (the sweeper runs every minute), got '${text.trim()}'`,
    );
  return every;
}

/**
 * Builds a configuration from its textual forms (environment variables or CLI flags), each
 * failing with an error that names what is wrong.
 *
 * @example
 * configFromText({ thresholds: 'DELETE=15m/30m', serviceRules: ['core=^core-'], grace: '30m' });
 * configFromText({ allowedServiceTags: '123456789012=core;*=shared' });
 */
export function configFromText(text: {
  readonly thresholds?: string | undefined;
  readonly serviceRules?: string | readonly string[] | undefined;
  readonly allowedServiceTags?: string | undefined;
  readonly grace?: string | undefined;
  readonly mutes?: readonly string[] | undefined;
  readonly repeatCriticalEvery?: string | undefined;
  readonly headsUp?: boolean | undefined;
}): WatchdogConfig {
  const rules = text.serviceRules;
  return {
    ...DEFAULT_CONFIG,
    thresholds: parseThresholds(text.thresholds ?? DEFAULT_THRESHOLD_SPEC),
    serviceRules: typeof rules === 'string' ? parseServiceRules(rules) : (rules ?? []).map(parseServiceRule),
    allowedServiceTags: parseAllowedServiceTags(text.allowedServiceTags ?? ''),
    graceMs: parseDuration(text.grace ?? DEFAULT_GRACE, 'grace'),
    mutes: (text.mutes ?? []).map(parseMute),
    repeatCriticalEveryMs: parseRepeatInterval(text.repeatCriticalEvery),
    headsUp: text.headsUp === true,
  };
}
