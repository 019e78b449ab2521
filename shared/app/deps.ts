import type { WatchdogConfig } from '../domain/config.ts';
import type { Clock } from '../domain/time.ts';
import type { Log } from './log.ts';
import type { ServiceKey } from '../domain/service.ts';
import type { WindowAnnouncement } from '../domain/window-events.ts';
import type { ServiceState } from '../domain/service-state.ts';

/** Window events claimed and not yet published, in the order they were claimed. */
export interface WindowEventOutbox {
  readonly pending: { key: ServiceKey; announced: WindowAnnouncement }[];
  /**
   * The state each service's last write stored, by service key id: marking a window event sent
   * starts from it instead of reading the item again (a stale one costs a conflict and a read).
   */
  readonly latest: Map<string, ServiceState>;
}
import type { Notifier, StackDirectory, StackInspector, WatchdogStore, WindowEventPublisher } from './ports.ts';

/** What the use cases are given: the Lambdas wire real adapters, the replay embedded ones. */
export interface WatchdogDeps {
  readonly store: WatchdogStore;
  readonly notifier: Notifier;
  readonly windowEvents: WindowEventPublisher;
  readonly clock: Clock;
  readonly config: WatchdogConfig;
  readonly log: Log;
  /**
   * Set by a use case while it works: window events its writes claim wait here and go out after
   * its notifications, so that a slow bus never delays a page. Absent: they go out at once.
   */
  readonly outbox?: WindowEventOutbox | undefined;
  /** Confirms with CloudFormation before paging; absent in replays, where the events are the truth. */
  readonly inspector?: StackInspector | undefined;
  /**
   * Tags and nesting of stacks (DescribeStacks in the Lambdas, the input's own events in a replay);
   * absent: every stack is a root, untagged, and belongs to the service its name says.
   */
  readonly stacks?: StackDirectory | undefined;
}
