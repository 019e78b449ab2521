/**
 * Use case of the daily self-check: the watchdog asks whether it can still watch (its table, its
 * alerts topic, the window-events bus, its key, the sweeper's last completed sweep) and tells the
 * ops topic when it cannot. The alarms see a function that fails; this sees what they cannot: a
 * key disabled or pending deletion, a topic or bus deleted, a sweeper that runs but never
 * completes. At most one message a run: the failures (with the muted stacks), or else a notice of
 * the stacks newly muted by their tag; nothing when all is well and nothing new is muted.
 */
import { WatchdogError } from '../errors.ts';
import { formatInstant, humanDuration, MINUTE_MS, type Clock, type Instant } from '../domain/time.ts';
import type { Log } from './log.ts';
import type { MutedStack, OpsMessage, OpsNotifier, ResourceProbe, SelfCheckMemory, WatchdogStore } from './ports.ts';

export const CheckName = {
  TABLE: 'table',
  HEARTBEAT: 'sweep heartbeat',
  TOPIC: 'alerts topic',
  BUS: 'window-events bus',
  KEY: 'key',
  MUTED: 'muted stacks',
} as const;
export type CheckName = (typeof CheckName)[keyof typeof CheckName];

export type CheckResult =
  | { readonly check: CheckName; readonly ok: true }
  | { readonly check: CheckName; readonly ok: false; readonly why: string; readonly todo: string };
export type FailedCheck = Extract<CheckResult, { ok: false }>;

/**
 * The oldest a last completed sweep may be. Sweeps run every minute: ten minutes is several
 * sweeps in a row that threw (a page or window event refused, a timeout), past what a blip of
 * SNS or EventBridge explains, yet far inside the first threshold (20 minutes by default), so a
 * deployment hung meanwhile is still escalated in time once the sweeper is mended.
 */
export const HEARTBEAT_MAX_AGE_MS = 10 * MINUTE_MS;

/** Stack ARNs run to about 220 bytes: 200 of them keep the self-check's item far below 64 KB. */
export const MAX_REMEMBERED_MUTED = 200;

/** What each check's failure means for the people on call, and what to do about it. */
const TODO: Readonly<Record<CheckName, string>> = {
  [CheckName.TABLE]:
    'Every function reads and writes this table: nothing is recorded or escalated until it is back. Look at it in ' +
    'the ' +
    'DynamoDB console; a deleted table is restored from its point-in-time recovery, then the stack updated.',
  [CheckName.HEARTBEAT]:
    "Hung deployments are not escalated until the sweeper completes again: read the sweeper's log group and its " +
    'Errors alarm, and invoke it by hand once mended.',
  [CheckName.TOPIC]:
    'Pages cannot be sent. CloudFormation does not recreate what was deleted outside it: give AlertsTopic a new ' +
    'logical id in template.yaml and deploy (a new topic), then subscribe its readers again.',
  [CheckName.BUS]:
    'Impact Window Opened/Closed events cannot be put (they wait in their outbox for 7 days). CloudFormation does ' +
    'not recreate what was deleted outside it: give WatchdogEventBus a new logical id in template.yaml and ' +
    "deploy (the same name, its policy), then put the consumers' rules on it again.",
  [CheckName.KEY]:
    'The key encrypts the table, the alerts topic and the dead-letter queue: enable it (aws kms enable-key) or ' +
    'cancel its deletion (aws kms cancel-key-deletion) now; nothing is read or paged until then.',
  [CheckName.MUTED]: "The muted stacks could not be listed: read the self-check's log.",
};

/** What a self-check saw, and what it sent. */
export interface SelfCheckResult {
  readonly at: Instant;
  readonly checks: readonly CheckResult[];
  readonly muted: readonly MutedStack[];
  readonly newlyMuted: readonly MutedStack[];
  /** The one message sent to the ops topic; `null` when there was nothing to say. */
  readonly sent: OpsMessage | null;
}

export interface SelfCheckDeps {
  readonly probe: ResourceProbe;
  readonly store: Pick<WatchdogStore, 'lastSweepHeartbeat' | 'lastSelfCheck' | 'recordSelfCheck' | 'stacksMutedByTag'>;
  readonly ops: OpsNotifier;
  readonly clock: Clock;
  readonly log: Log;
}

export interface SelfCheckOptions {
  /** Default {@link HEARTBEAT_MAX_AGE_MS}. */
  readonly heartbeatMaxAgeMs?: number | undefined;
}

/** All was checked and sent, but what this self-check saw could not be kept for the next one. */
export class SelfCheckMemoryError extends WatchdogError {
  constructor(options?: ErrorOptions) {
    super('self-check: every check passed, but its memory (WATCHDOG SELFCHECK) could not be written', options);
    this.name = 'SelfCheckMemoryError';
  }
}

/**
 * One self-check: every check runs, whatever the others answer; then at most one message.
 *
 * @example
 * const result = await selfCheck({ probe, store, ops, clock, log });
 * result.checks.filter((check) => !check.ok); // what the page listed
 */
export async function selfCheck(deps: SelfCheckDeps, options: SelfCheckOptions = {}): Promise<SelfCheckResult> {
  const now = deps.clock();
  const maxAgeMs = options.heartbeatMaxAgeMs ?? HEARTBEAT_MAX_AGE_MS;
  const [table, heartbeat, topic, bus, key, listed] = await Promise.all([
    checked(CheckName.TABLE, () => deps.probe.table()),
    checked(CheckName.HEARTBEAT, async () => heartbeatProblem(await deps.store.lastSweepHeartbeat(), now, maxAgeMs)),
    checked(CheckName.TOPIC, () => deps.probe.topic()),
    checked(CheckName.BUS, () => deps.probe.bus()),
    checked(CheckName.KEY, () => deps.probe.key()),
    settled(() => deps.store.stacksMutedByTag()),
  ]);
  const checks: CheckResult[] = [table, heartbeat, topic, bus, key];
  if (!listed.ok) checks.push(failed(CheckName.MUTED, listed.error));
  const muted = listed.ok ? [...listed.value].sort(byStackId) : [];
  const previous = listed.ok ? await previousMemory(deps) : null;
  const newly = listed.ok ? newlyMuted(muted, previous) : [];
  const failures = checks.filter((check): check is FailedCheck => !check.ok);

  const message =
    failures.length > 0
      ? failurePage(failures, checks.length, muted, newly, now)
      : newly.length > 0
        ? mutedNotice(newly, muted.length, now)
        : null;
  if (message !== null) await deps.ops.send(message);
  deps.log.info('self-check', {
    failed: failures.map((check) => check.check),
    muted: muted.length,
    newlyMuted: newly.length,
    sent: message !== null,
  });

  if (listed.ok) {
    try {
      await deps.store.recordSelfCheck(memoryOf(muted, now));
    } catch (error) {
      // With a check failed the page went out and said so; with none, nobody knows: the invocation fails (its alarm).
      if (failures.length === 0) throw new SelfCheckMemoryError({ cause: error });
      deps.log.warn('self-check: could not keep what it saw; the next one names the same newly muted stacks', {
        error: String(error),
      });
    }
  }
  return { at: now, checks, muted, newlyMuted: newly, sent: message };
}

// biome-ignore lint/suspicious/noConfusingVoidType: a check's run either says nothing (void) or adds a note.
async function checked(check: CheckName, run: () => Promise<void | string | null>): Promise<CheckResult> {
  try {
    const problem = await run();
    return typeof problem === 'string' ? { check, ok: false, why: problem, todo: TODO[check] } : { check, ok: true };
  } catch (error) {
    return failed(check, error);
  }
}

const failed = (check: CheckName, error: unknown): FailedCheck => ({
  check,
  ok: false,
  why: reasonOf(error),
  todo: TODO[check],
});

async function settled<T>(run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** An SDK error's name is its code (NotFoundException, KMSInvalidStateException): said with its message. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const generic = error.name === 'Error' || error instanceof WatchdogError || error.message.includes(error.name);
  return generic ? error.message : `${error.name}: ${error.message}`;
}

async function previousMemory(deps: SelfCheckDeps): Promise<SelfCheckMemory | null> {
  try {
    return await deps.store.lastSelfCheck();
  } catch (error) {
    deps.log.warn('self-check: could not read what the previous one saw; every muted stack counts as new', {
      error: String(error),
    });
    return null;
  }
}

const byStackId = (a: MutedStack, b: MutedStack): number =>
  a.stackId < b.stackId ? -1 : a.stackId > b.stackId ? 1 : 0;

/**
 * Why the last completed sweep is a problem, or `null` when it is recent enough.
 *
 * @example
 * heartbeatProblem(null, now, HEARTBEAT_MAX_AGE_MS); // 'no sweep has ever completed'
 */
export function heartbeatProblem(last: Instant | null, now: Instant, maxAgeMs: number): string | null {
  if (last === null) return 'no sweep has ever completed';
  const age = now - last;
  if (age <= maxAgeMs) return null;
  return (
    `the last sweep completed at ${formatInstant(last)}, ${humanDuration(age)} ago (more than ` +
    `${humanDuration(maxAgeMs)})`
  );
}

/**
 * What to remember of the muted stacks: their ids, sorted, the first {@link MAX_REMEMBERED_MUTED}.
 *
 * @example
 * memoryOf(muted, now); // { at: now, mutedStackIds: ['arn:…/a/…', …], mutedTotal: 3 }
 */
export function memoryOf(muted: readonly MutedStack[], now: Instant): SelfCheckMemory {
  const ids = muted.map((stack) => stack.stackId).sort();
  return { at: now, mutedStackIds: ids.slice(0, MAX_REMEMBERED_MUTED), mutedTotal: ids.length };
}

/**
 * The muted stacks the previous self-check did not see muted (every one, before the first). Past
 * the bound, only ids up to the last one remembered can be told apart: the rest count as known.
 *
 * @example
 * newlyMuted(muted, { at, mutedStackIds: [a], mutedTotal: 1 }); // muted, less the stack a
 */
export function newlyMuted(muted: readonly MutedStack[], previous: SelfCheckMemory | null): MutedStack[] {
  if (previous === null) return [...muted].sort(byStackId);
  const known = new Set(previous.mutedStackIds);
  const complete = previous.mutedTotal <= previous.mutedStackIds.length;
  const last = previous.mutedStackIds.at(-1);
  const comparable = (stackId: string): boolean => complete || (last !== undefined && stackId <= last);
  return muted.filter((stack) => !known.has(stack.stackId) && comparable(stack.stackId)).sort(byStackId);
}

/** SNS takes a subject of ASCII under 100 characters. */
const SUBJECT_MAX = 99;
/** SNS takes 256 KB; a page of hundreds of muted stacks is cut well before. */
const MUTED_LISTED_MAX = 50;

function mutedLines(muted: readonly MutedStack[], newly: readonly MutedStack[]): string[] {
  const fresh = new Set(newly.map((stack) => stack.stackId));
  const lines = muted
    .slice(0, MUTED_LISTED_MAX)
    .map(
      (stack) =>
        `- ${stack.stackName}${fresh.has(stack.stackId) ? ' (newly muted)' : ''}: service ${stack.key.service} in ` +
        `${stack.key.account} ${stack.key.region}, muted since ${formatInstant(stack.since)}; ${stack.stackId}`,
    );
  if (muted.length > MUTED_LISTED_MAX) lines.push(`… and ${muted.length - MUTED_LISTED_MAX} more`);
  return lines;
}

/**
 * The page for failed checks: each with why and what to do, then the stacks muted by their tag.
 *
 * @example
 * failurePage([{ check: 'key', ok: false, why: 'key … is Disabled', todo: '…' }], 5, [], [], now).subject;
 * // 'cfn-watchdog self-check: 1 of 5 checks failed (key)'
 */
export function failurePage(
  failures: readonly FailedCheck[],
  total: number,
  muted: readonly MutedStack[],
  newly: readonly MutedStack[],
  now: Instant,
): OpsMessage {
  const names = failures.map((check) => check.check).join(', ');
  const subject = `cfn-watchdog self-check: ${failures.length} of ${total} checks failed (${names})`;
  const text = [
    `cfn-watchdog's self-check at ${formatInstant(now)}: ${failures.length} of ${total} checks failed. The ` +
      `watchdog may not be watching.`,
    '',
    ...failures.flatMap((check) => [`FAILED ${check.check}: ${check.why}`, `  What to do: ${check.todo}`, '']),
    muted.length === 0
      ? 'No stack is muted by its cfn-watchdog:mute tag.'
      : `Stacks muted by their cfn-watchdog:mute tag (${muted.length}, ${newly.length} newly muted): they never page.`,
    ...mutedLines(muted, newly),
  ].join('\n');
  return { subject: capped(subject), text };
}

/**
 * The notice that stacks muted themselves since the previous self-check.
 *
 * @example
 * mutedNotice([preview], 3, now).subject; // 'cfn-watchdog: 1 stack newly muted by its cfn-watchdog:mute tag'
 */
export function mutedNotice(newly: readonly MutedStack[], total: number, now: Instant): OpsMessage {
  const subject =
    `cfn-watchdog: ${newly.length} stack${newly.length === 1 ? '' : 's'} newly muted by ` +
    `${newly.length === 1 ? 'its' : 'their'} cfn-watchdog:mute tag`;
  const text = [
    `cfn-watchdog's self-check at ${formatInstant(now)}: every check passed. Since the previous self-check, ` +
      `${newly.length} more ` +
      `stack${newly.length === 1 ? ' was' : 's were'} muted by the cfn-watchdog:mute tag (${total} in all): their ` +
      `hung and failed ` +
      'deployments page nobody. Remove the tag (or set it to false) to watch them again.',
    '',
    ...mutedLines(newly, []),
  ].join('\n');
  return { subject: capped(subject), text };
}

const capped = (subject: string): string =>
  subject.length <= SUBJECT_MAX ? subject : `${subject.slice(0, SUBJECT_MAX - 3)}...`;
