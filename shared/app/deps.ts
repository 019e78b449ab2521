import type { WatchdogConfig } from '../domain/config.ts';
import type { Clock } from '../domain/time.ts';
import type { Log } from './log.ts';
import type {
  EscalationPublisher,
  Notifier,
  StackDirectory,
  StackInspector,
  WatchdogStore,
  WindowEventPublisher,
} from './ports.ts';

/** What the use cases are given: the Lambdas wire real adapters, the replay embedded ones. */
export interface WatchdogDeps {
  readonly store: WatchdogStore;
  readonly notifier: Notifier;
  /** The bus lane of every page. */
  readonly escalations: EscalationPublisher;
  readonly windowEvents: WindowEventPublisher;
  readonly clock: Clock;
  readonly config: WatchdogConfig;
  readonly log: Log;
  /** Confirms with CloudFormation before paging; absent in replays, where the events are the truth. */
  readonly inspector?: StackInspector | undefined;
  /**
   * Tags and nesting of stacks (DescribeStacks in the Lambdas, the input's own events in a replay);
   * absent: every stack is a root, untagged, and belongs to the service its name says.
   */
  readonly stacks?: StackDirectory | undefined;
}

/**
 * What applying one event takes: no window events (only the sweeper announces windows), and the
 * bus lane of pages when it can be published. Without it (a redrive from a workstation, whose
 * credentials the bus's policy refuses), the lane stays pending and the sweeper publishes it
 * after the lease.
 */
export type ApplyDeps = Omit<WatchdogDeps, 'windowEvents' | 'escalations'> & {
  readonly escalations?: EscalationPublisher | undefined;
};
