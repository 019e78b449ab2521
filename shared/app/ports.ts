/**
 * The adapters the use cases take as parameters. Implementations live in `shared/adapters/`;
 * the Lambda handlers and the CLI wire them.
 */
import type { ResourceStatusEvent, StackStatusEvent } from '../domain/events.ts';
import type { Notification } from '../domain/notification.ts';
import type { ResourceInProgress } from '../domain/resources.ts';
import type { StackDescription } from '../domain/reconcile.ts';
import type { ServiceKey } from '../domain/service.ts';
import type { FoldedPage } from '../domain/compaction.ts';
import type { FoldedPageRef, ServiceState, ServiceView } from '../domain/service-state.ts';
import type { StackFacts } from '../domain/stack-facts.ts';
import type { Instant } from '../domain/time.ts';
import type { ImpactWindow } from '../domain/windows.ts';
import type { WindowEvent } from '../domain/window-events.ts';

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
   * Access pattern 4 by name: the ids of the stacks named `stackName` (a name is reused when a
   * stack is deleted and created again) with events in [from, to], oldest first.
   */
  stacksNamed(stackName: string, range: { readonly from: Instant; readonly to: Instant }): Promise<string[]>;
  /** The services of that name, in every account and region the watchdog has seen them. */
  servicesNamed(service: string): Promise<ServiceKey[]>;
  /** Access pattern 1: a service's state, read consistently; empty (version 0) when new. */
  loadService(key: ServiceKey): Promise<ServiceState>;
  /**
   * Access pattern 1 (write): stores `state` if the stored version is still `state.version`;
   * returns the stored state (version + 1), or `null` when another writer came first.
   */
  saveService(state: ServiceState, view: ServiceView, now: Instant): Promise<ServiceState | null>;
  /** Access pattern 2: the services with something to sweep, through the sparse index. */
  openServices(): Promise<ServiceState[]>;
  /** Access pattern 3: windows overlapping [from, to], optionally of one service. */
  windowsOverlapping(query: WindowQuery): Promise<ServiceWindow[]>;
  /** Keeps closed windows that left a service's state when its history was folded; idempotent. */
  archiveWindows(key: ServiceKey, windows: readonly ImpactWindow[]): Promise<void>;
  /** A service's archived windows, by start; those that start after `after` only, when given. */
  archivedWindows(key: ServiceKey, after?: Instant): Promise<ImpactWindow[]>;
  /**
   * Removes archived windows that a late event brought back into the state, each only while it
   * is still stored as given (a writer may have archived it again since).
   */
  deleteArchivedWindows(key: ServiceKey, windows: readonly ImpactWindow[]): Promise<void>;
  /** Keeps pages of history folded by size (compaction.ts); returns how the state names them, in order. */
  saveFoldedPages(key: ServiceKey, pages: readonly FoldedPage[]): Promise<FoldedPageRef[]>;
  /** The pages the state names, in that order; throws {@link FoldedPageMissingError} when one is missing. */
  loadFoldedPages(key: ServiceKey, refs: readonly FoldedPageRef[]): Promise<FoldedPage[]>;
  /** Removes pages no state names any more; idempotent. */
  deleteFoldedPages(key: ServiceKey, refs: readonly FoldedPageRef[]): Promise<void>;
}

/**
 * A page of folded history the state named is gone: another writer brought it back and stored a
 * newer state meanwhile. Read the state again.
 */
export class FoldedPageMissingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FoldedPageMissingError';
  }
}

export interface Notifier {
  /** Resolves once the notification was accepted (SNS answered); throws otherwise. */
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
