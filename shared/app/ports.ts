/**
 * The adapters the use cases take as parameters. Implementations live in `shared/adapters/`;
 * the Lambda handlers and the CLI wire them.
 */
import type { ResourceStatusEvent, StackRef, StackStatusEvent } from '../domain/events.ts';
import type { Notification } from '../domain/notification.ts';
import type { ResourceInProgress } from '../domain/resources.ts';
import type { StackDescription } from '../domain/reconcile.ts';
import type { ServiceKey } from '../domain/service.ts';
import type { FoldedPage } from '../domain/compaction.ts';
import type { FoldedPageRef, StackState } from '../domain/stack-state.ts';
import type { ServiceState, WalkPoint } from '../domain/service-walk.ts';
import type { WindowEntry } from '../domain/window-entries.ts';
import type { StackFacts } from '../domain/stack-facts.ts';
import type { Instant } from '../domain/time.ts';
import type { ImpactWindow } from '../domain/windows.ts';
import type { WindowEvent } from '../domain/window-events.ts';
import { WatchdogError } from '../errors.ts';

export type HistoryEvent = StackStatusEvent | ResourceStatusEvent;

export interface WindowQuery {
  readonly from: Instant;
  readonly to: Instant;
  readonly service?: string | undefined;
}

export interface ServiceWindow extends ImpactWindow {
  readonly key: ServiceKey;
}

export interface WatchdogStore {
  /** Access pattern 4 (write): keeps a raw event in its stack's timeline; idempotent. */
  recordEvent(event: HistoryEvent): Promise<void>;
  /** Access pattern 4: one stack's events from `from` on, in time order. */
  stackHistory(stackId: string, from?: Instant): Promise<HistoryEvent[]>;
  /**
   * The ids of every stack with raw events kept, sorted: a scan of the keys-only `ByName` index,
   * for an export of the whole history (not a hot path).
   */
  stacksWithHistory(): Promise<string[]>;
  /**
   * Access pattern 4 by name: the ids of the stacks named `stackName` (a name is reused when a
   * stack is deleted and created again) with events in [from, to], oldest first.
   */
  stacksNamed(stackName: string, range: { readonly from: Instant; readonly to: Instant }): Promise<string[]>;
  /** The services of that name, in every account and region the watchdog has seen them. */
  servicesNamed(service: string): Promise<ServiceKey[]>;
  /** Access pattern 1: one stack's state, read consistently; empty (version 0) when new. */
  loadStack(key: ServiceKey, stack: Pick<StackRef, 'stackId' | 'stackName'>): Promise<StackState>;
  /**
   * Access pattern 1 (write): stores `state` if the stored version is still `state.version`;
   * returns the stored state (version + 1), or `null` when another writer came first.
   */
  saveStack(state: StackState, now: Instant): Promise<StackState | null>;
  /** A service's own item and all its stacks' states, read consistently (one query). */
  loadService(key: ServiceKey): Promise<ServiceSnapshot>;
  /** Stores the service's own item if its stored version is still `state.version`; `null` otherwise. */
  saveService(state: ServiceState, now: Instant): Promise<ServiceState | null>;
  /**
   * Access pattern 2: the services with a stack or a window entry to sweep, through the sparse
   * index, and the ids of those window entries.
   */
  servicesToSweep(): Promise<SweepTarget[]>;
  /** A service's window entries whose id is at or after `from` (after it, when `exclusive`), by id. */
  windowEntries(key: ServiceKey, from: Instant, exclusive?: boolean): Promise<WindowEntry[]>;
  /** One window entry, read consistently; `null` when there is none. */
  loadWindowEntry(key: ServiceKey, id: Instant): Promise<WindowEntry | null>;
  /** Stores a window entry if its stored version is still `entry.version`; `null` otherwise. */
  saveWindowEntry(entry: WindowEntry, now: Instant): Promise<WindowEntry | null>;
  /** Access pattern 3: windows overlapping [from, to], optionally of one service. */
  windowsOverlapping(query: WindowQuery): Promise<ServiceWindow[]>;
  /** Keeps pages of a stack's history folded by size (compaction.ts); returns how the state names them, in order. */
  saveFoldedPages(stack: StackState, pages: readonly FoldedPage[]): Promise<FoldedPageRef[]>;
  /** The pages the state names, in that order; throws {@link FoldedPageMissingError} when one is missing. */
  loadFoldedPages(stack: StackState, refs: readonly FoldedPageRef[]): Promise<FoldedPage[]>;
  /** Removes pages no state names any more; idempotent. */
  deleteFoldedPages(stack: StackState, refs: readonly FoldedPageRef[]): Promise<void>;
  /** Keeps a walk point on its own, for late events to walk again from (for the late-event horizon). */
  keepWalkPoint(key: ServiceKey, point: WalkPoint): Promise<void>;
  /** The latest walk point kept that is strictly before `time`; `null` when none is. */
  walkPointBefore(key: ServiceKey, time: Instant): Promise<WalkPoint | null>;
  /** Removes the walk points kept at or after `time` (a late event made them stale); idempotent. */
  dropWalkPoints(key: ServiceKey, time: Instant): Promise<void>;
  /** Notes that a sweep completed at `at` (one small item, overwritten each minute), for the self-check. */
  recordSweepHeartbeat(at: Instant): Promise<void>;
  /** When the last sweep completed, read consistently; `null` when none ever did. */
  lastSweepHeartbeat(): Promise<Instant | null>;
  /** What the previous self-check remembered; `null` before the first one. */
  lastSelfCheck(): Promise<SelfCheckMemory | null>;
  /** Keeps what this self-check saw, for the next one to compare with. */
  recordSelfCheck(memory: SelfCheckMemory): Promise<void>;
  /** The stacks whose `cfn-watchdog:mute` tag silences them, as last seen; one small item each. */
  stacksMutedByTag(): Promise<MutedStack[]>;
  /** Lists a stack as muted by its tag, replacing its listing if any (its service may have changed); idempotent. */
  keepMutedByTag(stack: MutedStack): Promise<void>;
  /** Takes a stack off that list (its tag no longer mutes it, or it was deleted); idempotent. */
  dropMutedByTag(stackId: string): Promise<void>;
}

/** What one self-check leaves for the next: when it ran and which stacks were muted by their tag. */
export interface SelfCheckMemory {
  readonly at: Instant;
  /** The muted stacks' ids, sorted, bounded (domain/self-check.ts, `MAX_REMEMBERED_MUTED`): the first by id. */
  readonly mutedStackIds: readonly string[];
  /** How many stacks were muted, when more than the ids kept. */
  readonly mutedTotal: number;
}

/** A stack its own `cfn-watchdog:mute` tag silences: listed for `status` and the daily self-check. */
export interface MutedStack {
  readonly key: ServiceKey;
  readonly stackId: string;
  readonly stackName: string;
  /** When the watchdog first found the tag muting it. */
  readonly since: Instant;
}

/** A service with something to sweep: its key, and which of its window entries have events due or a grace running. */
export interface SweepTarget {
  readonly key: ServiceKey;
  readonly windowIds: readonly Instant[];
}

/** A service's own item and its stacks' states, as one consistent read gives them. */
export interface ServiceSnapshot {
  readonly service: ServiceState;
  readonly stacks: readonly StackState[];
}

/**
 * A page of folded history a stack's state named is gone: another writer brought it back and
 * stored a newer state meanwhile. Read the state again.
 */
export class FoldedPageMissingError extends WatchdogError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FoldedPageMissingError';
  }
}

export interface Notifier {
  /** Resolves once the notification was accepted (SNS answered); throws otherwise. */
  publish(notification: Notification): Promise<void>;
}

/**
 * Puts a page as data on the watchdog's bus (`Deployment Escalated`/`Resolved`, the bus lane of
 * its claim), for the rules that route it to PagerDuty, Incident Manager or OpsCenter.
 */
export interface EscalationPublisher {
  /** Resolves once the bus accepted the event; throws otherwise. */
  publish(notification: Notification): Promise<void>;
}

/** Puts the recovery hand-off events (Impact Window Opened/Closed) on a bus. */
export interface WindowEventPublisher {
  /** Resolves once the bus accepted the event; throws otherwise. */
  publish(event: WindowEvent): Promise<void>;
}

/** What a stack's events do not say (stack-facts.ts): its tags and, for a nested stack, its root. */
export interface StackDirectory {
  /** The facts of a stack; those of a stack that is gone or unknown are `NO_FACTS`. */
  factsOf(stackId: string): Promise<StackFacts>;
}

/** Asks CloudFormation (DescribeStacks) about a stack. */
export interface StackInspector {
  /** What the stack is doing now. */
  describe(stackId: string): Promise<StackDescription>;
  /**
   * The stack's resources in progress now (DescribeStackResources), for an escalation whose
   * Resource Status Change events never arrived; absent where CloudFormation cannot be asked.
   */
  resourcesInProgress?(stackId: string): Promise<ResourceInProgress[]>;
}

/**
 * Asks AWS whether the watchdog's own resources are there and usable (the daily self-check).
 * Each resolves when its resource is fine and throws, saying why, when it is not.
 */
export interface ResourceProbe {
  /** The table exists and is ACTIVE (DescribeTable). */
  table(): Promise<void>;
  /** The alerts topic exists and can be read (GetTopicAttributes). */
  topic(): Promise<void>;
  /** The window-events bus exists (DescribeEventBus). */
  bus(): Promise<void>;
  /** The key is enabled and not pending deletion (DescribeKey). */
  key(): Promise<void>;
}

/** A plain-text message to the people who run the watchdog (the ops topic). */
export interface OpsMessage {
  readonly subject: string;
  readonly text: string;
}

/** Sends to the ops topic (OpsTopicArn, or the alerts topic when unset). */
export interface OpsNotifier {
  /** Resolves once the message was accepted; throws otherwise. */
  send(message: OpsMessage): Promise<void>;
}
