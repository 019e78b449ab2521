/**
 * Use case of `cfn-watchdog redrive`: walk the dead-letter queue once, say what each message
 * holds, and re-apply the events through the stack-events function's own use case. A message is
 * deleted only once the use case accepted its event; every other one stays, with why.
 */
import { InvalidEventError, parseCloudFormationEvent } from '../domain/cfn-event.ts';
import {
  describeFailure,
  readDeadLetter,
  type DeadLetterKind,
  type QueueMessageContent,
} from '../domain/dead-letter.ts';
import { parseStackArn, type CloudFormationEvent } from '../domain/events.ts';
import type { Clock, Instant } from '../domain/time.ts';
import { applyEvent, type ApplyOutcome } from './apply-event.ts';
import type { ApplyDeps } from './deps.ts';

/** A message received and not yet deleted or released: its receipt handle is this receive's. */
export interface HeldMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
}

export interface QueueMessage extends HeldMessage, QueueMessageContent {
  /** When the sender put it in the queue. */
  readonly sentAt: Instant | null;
  /** How many times it was received, this receive included. */
  readonly receiveCount: number | null;
}

/** A message a batch call did not act on, and what the queue said. */
export interface QueueRefusal {
  readonly messageId: string;
  readonly why: string;
}

/** The queue as the use case needs it (shared/adapters/sqs-dead-letters.ts). */
export interface DeadLetterQueue {
  /** The queue, for messages. */
  readonly describe: string;
  /** At most `max` (≤ 10) messages, hidden from other receives for `visibilitySeconds`. */
  receive(options: { readonly max: number; readonly visibilitySeconds: number }): Promise<QueueMessage[]>;
  /** Deletes them; answers the ones the queue refused. */
  delete(messages: readonly HeldMessage[]): Promise<QueueRefusal[]>;
  /** Makes them visible again at once; answers the ones the queue refused. */
  release(messages: readonly HeldMessage[]): Promise<QueueRefusal[]>;
}

/**
 * How long a receive hides messages. Listing releases them when done, so the timeout only
 * matters if the command dies: they come back within a minute. Applying holds a batch while its
 * events are applied (DynamoDB, SNS, DescribeStacks), far longer than the seconds that takes.
 */
export const VisibilitySeconds = { LIST: 60, APPLY: 300 } as const;

/** What a redrive does with a message; the first five are the use case's accepted outcomes. */
export const RedriveOutcome = {
  APPLIED: 'applied',
  RECORDED: 'recorded',
  IGNORED: 'ignored',
  TOO_LATE: 'too-late',
  DUPLICATE: 'duplicate',
  WOULD_APPLY: 'would-apply',
  UNRECOGNISED: 'unrecognised',
  INVALID: 'invalid',
  FAILED: 'failed',
} as const;
export type RedriveOutcome = (typeof RedriveOutcome)[keyof typeof RedriveOutcome];

/** One message as the commands print it. */
export interface DeadLetterEntry {
  readonly messageId: string;
  readonly kind: DeadLetterKind | null;
  readonly eventId: string | null;
  readonly stackName: string | null;
  readonly stackId: string | null;
  /** The CloudFormation status the event reports. */
  readonly status: string | null;
  /** The event's time. */
  readonly time: Instant | null;
  readonly sentAt: Instant | null;
  readonly receiveCount: number | null;
  /** Why it was dead-lettered, as its sender said. */
  readonly failure: string | null;
  /** Why it cannot be applied as it is (unrecognised, invalid); `null` when it can. */
  readonly problem: string | null;
}

/** One message of `show`: the entry, and all it holds. */
export interface DeadLetterDetail extends DeadLetterEntry {
  readonly attributes: Readonly<Record<string, string>>;
  /** The EventBridge event (unwrapped from a Lambda record), or the raw body when unrecognised. */
  readonly event: unknown;
}

export interface RedriveEntry extends DeadLetterEntry {
  readonly outcome: RedriveOutcome;
  readonly deleted: boolean;
  /** Why it stayed in the queue: the problem, the error the use case threw, or the refused delete. */
  readonly why: string | null;
}

interface Inspected {
  readonly entry: DeadLetterEntry;
  readonly event: CloudFormationEvent | null;
  readonly payload: unknown;
  readonly outcome: RedriveOutcome | null;
}

/** Reads and parses one message as the function would, at `now`. */
function inspect(message: QueueMessage, now: Instant): Inspected {
  const base = { messageId: message.messageId, sentAt: message.sentAt, receiveCount: message.receiveCount };
  const letter = readDeadLetter(message);
  if (!letter.recognised) {
    const unknown = { kind: null, eventId: null, stackName: null, stackId: null, status: null, time: null };
    const entry = { ...base, ...unknown, failure: null, problem: letter.why };
    return { entry, event: null, payload: message.body, outcome: RedriveOutcome.UNRECOGNISED };
  }
  const common = {
    ...base,
    kind: letter.kind,
    eventId: letter.eventId,
    stackId: letter.stackId,
    stackName: letter.stackId === null ? null : (parseStackArn(letter.stackId)?.stackName ?? null),
    failure: describeFailure(letter.failure),
  };
  try {
    const event = parseCloudFormationEvent(letter.event, { now });
    const status = event.kind === 'other' ? event.detailType : event.status;
    const { stackName, stackId, time } = event;
    const entry = { ...common, stackName, stackId, status, time, problem: null };
    return { entry, event, payload: letter.event, outcome: null };
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    const entry = { ...common, status: null, time: null, problem: error.message };
    return { entry, event: null, payload: letter.event, outcome: RedriveOutcome.INVALID };
  }
}

interface Received {
  readonly message: QueueMessage;
  readonly inspected: Inspected;
}

interface WalkOptions {
  readonly max: number;
  readonly visibilitySeconds: number;
  readonly clock: Clock;
  /** Called per batch received; answers the messages it deleted, which are not released. */
  readonly onBatch: (batch: readonly Received[]) => Promise<ReadonlySet<string>>;
  /** Stops the walk once it answers true (show: found). */
  readonly done?: () => boolean;
}

/** Receives in a row that answer only messages the pass has seen, after which it has gone round. */
export const ALL_SEEN_RECEIVES_TO_STOP = 3;

/**
 * One pass over the queue: receives until it is empty, `max` messages were handled, or it
 * answers only messages this pass has seen {@link ALL_SEEN_RECEIVES_TO_STOP} times in a row
 * (their visibility ran out: the queue wrapped around). Then releases what it holds and did not delete, so that the
 * next command sees them.
 */
async function walk(queue: DeadLetterQueue, options: WalkOptions): Promise<QueueRefusal[]> {
  const seen = new Set<string>();
  const held: HeldMessage[] = [];
  let allSeenInARow = 0;
  try {
    while (seen.size < options.max && !(options.done?.() ?? false)) {
      const { visibilitySeconds } = options;
      const received = await queue.receive({ max: options.max - seen.size, visibilitySeconds });
      const fresh = received.filter((message) => !seen.has(message.messageId));
      // Seen again (its visibility ran out): only this receive's handle releases it now.
      for (const again of received.filter((message) => seen.has(message.messageId))) {
        const index = held.findIndex((message) => message.messageId === again.messageId);
        if (index === -1) held.push(again);
        else held[index] = again;
      }
      // One receive of seen messages only may still leave unseen ones behind them (SQS answers a
      // sample); each receive hides what it answers, so a few in a row reach the rest.
      if (fresh.length === 0) {
        allSeenInARow += 1;
        if (received.length === 0 || allSeenInARow >= ALL_SEEN_RECEIVES_TO_STOP) break;
        continue;
      }
      allSeenInARow = 0;
      const now = options.clock();
      const batch = fresh
        .slice(0, options.max - seen.size)
        .map((message) => ({ message, inspected: inspect(message, now) }));
      for (const { message } of batch) seen.add(message.messageId);
      held.push(...fresh.slice(batch.length));
      const deleted = await options.onBatch(batch);
      held.push(...batch.map(({ message }) => message).filter((message) => !deleted.has(message.messageId)));
    }
  } catch (error) {
    // The failure is what to say; a message not released comes back when its visibility runs out.
    await queue.release(held).catch(() => undefined);
    throw error;
  }
  return held.length === 0 ? [] : queue.release(held);
}

/** What a listing or a redrive answers besides its entries: messages the queue would not release. */
export interface Released {
  /** Still hidden until their visibility runs out (at most {@link VisibilitySeconds}). */
  readonly notReleased: readonly QueueRefusal[];
}

/**
 * Lists up to `max` dead letters, parsed as the function would parse them now; leaves them all
 * in the queue.
 *
 * @example
 * const { entries } = await listDeadLetters(queue, { max: 100, clock: Date.now });
 */
export async function listDeadLetters(
  queue: DeadLetterQueue,
  options: { readonly max: number; readonly clock: Clock },
): Promise<Released & { entries: DeadLetterEntry[] }> {
  const entries: DeadLetterEntry[] = [];
  const notReleased = await walk(queue, {
    ...options,
    visibilitySeconds: VisibilitySeconds.LIST,
    onBatch: async (batch) => {
      entries.push(...batch.map(({ inspected }) => inspected.entry));
      return new Set();
    },
  });
  return { entries, notReleased };
}

/**
 * Finds one dead letter by its message id, looking at up to `max` messages; `null` when not found.
 *
 * @example
 * const { detail } = await showDeadLetter(queue, '3f0c…', { max: 1000, clock: Date.now });
 */
export async function showDeadLetter(
  queue: DeadLetterQueue,
  messageId: string,
  options: { readonly max: number; readonly clock: Clock },
): Promise<Released & { detail: DeadLetterDetail | null; looked: number }> {
  let detail: DeadLetterDetail | null = null;
  let looked = 0;
  const notReleased = await walk(queue, {
    ...options,
    visibilitySeconds: VisibilitySeconds.LIST,
    done: () => detail !== null,
    onBatch: async (batch) => {
      looked += batch.length;
      const found = batch.find(({ message }) => message.messageId === messageId);
      if (found) {
        detail = { ...found.inspected.entry, attributes: found.message.attributes, event: found.inspected.payload };
      }
      return new Set();
    },
  });
  return { detail, looked, notReleased };
}

const ACCEPTED: ReadonlySet<string> = new Set<ApplyOutcome['kind']>([
  'applied',
  'recorded',
  'ignored',
  'too-late',
  'duplicate',
]);

/**
 * Re-applies up to `max` dead letters through {@link applyEvent} with `deps` (the deployed
 * watchdog's), deleting each one whose event the use case accepted. With `dryRun`, parses and
 * says what would be applied, and writes and deletes nothing (`deps` may then be `null`).
 *
 * @example
 * const { entries } = await redriveDeadLetters(queue, deps, { max: 1000, dryRun: false, clock: deps.clock });
 */
export async function redriveDeadLetters(
  queue: DeadLetterQueue,
  deps: ApplyDeps | null,
  options: { readonly max: number; readonly dryRun: boolean; readonly clock: Clock },
): Promise<Released & { entries: RedriveEntry[] }> {
  const entries: RedriveEntry[] = [];
  const notReleased = await walk(queue, {
    ...options,
    visibilitySeconds: options.dryRun ? VisibilitySeconds.LIST : VisibilitySeconds.APPLY,
    onBatch: async (batch) => {
      const results: RedriveEntry[] = [];
      const accepted: QueueMessage[] = [];
      for (const { message, inspected } of batch) {
        const { entry, event } = inspected;
        if (event === null) {
          const outcome = inspected.outcome ?? RedriveOutcome.INVALID;
          results.push({ ...entry, outcome, deleted: false, why: entry.problem });
          continue;
        }
        if (options.dryRun || deps === null) {
          results.push({ ...entry, outcome: RedriveOutcome.WOULD_APPLY, deleted: false, why: null });
          continue;
        }
        try {
          const outcome = await applyEvent(event, deps);
          const isAccepted = ACCEPTED.has(outcome.kind);
          if (isAccepted) accepted.push(message);
          const why = isAccepted ? null : `the use case answered '${outcome.kind}', which is not one to delete on`;
          results.push({ ...entry, outcome: outcome.kind, deleted: isAccepted, why });
        } catch (error) {
          const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          results.push({ ...entry, outcome: RedriveOutcome.FAILED, deleted: false, why });
        }
      }
      const refused = new Map((await queue.delete(accepted)).map((refusal) => [refusal.messageId, refusal.why]));
      entries.push(
        ...results.map((result) => {
          const why = refused.get(result.messageId);
          return why === undefined ? result : { ...result, deleted: false, why: `applied, but not deleted: ${why}` };
        }),
      );
      return new Set(accepted.map((message) => message.messageId).filter((id) => !refused.has(id)));
    },
  });
  return { entries, notReleased };
}
