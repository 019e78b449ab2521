import type { WatchdogConfig } from '../domain/config.ts';
import type { Clock } from '../domain/time.ts';
import type { Log } from './log.ts';
import type { Notifier, StackInspector, WatchdogStore, WindowEventPublisher } from './ports.ts';

/** What the use cases are given: the Lambdas wire real adapters, the replay embedded ones. */
export interface WatchdogDeps {
  readonly store: WatchdogStore;
  readonly notifier: Notifier;
  readonly windowEvents: WindowEventPublisher;
  readonly clock: Clock;
  readonly config: WatchdogConfig;
  readonly log: Log;
  /** Confirms with CloudFormation before paging; absent in replays, where the events are the truth. */
  readonly inspector?: StackInspector | undefined;
}
