/**
 * `cfn-watchdog export` (issue 18): the CloudFormation events a store keeps, in EventBridge's
 * shape, as JSON Lines that `replay` and `backtest` take: production's own history, to try
 * thresholds on before deploying them.
 */
import type { HistoryEvent } from '../shared/app/ports.ts';
import type { Instant } from '../shared/domain/time.ts';
import { parseStackArn } from '../shared/domain/events.ts';
import { openStore, readNow, type DataSourceFlags } from './data-source.ts';
import { eventBridgeShape } from './import.ts';
import { readRange } from './windows.ts';

export interface ExportFlags extends DataSourceFlags {
  from?: string;
  to?: string;
  tz?: string;
  asOf?: string;
  /** Only this stack: its ARN, or its name (every stack that had it in the range). */
  stack?: string;
}

/**
 * The event as EventBridge delivered it. What the store does not keep is left empty (the
 * client-request-token); the id is the one EventBridge gave.
 */
function asDelivered(event: HistoryEvent): Record<string, unknown> {
  return eventBridgeShape({
    id: event.eventId,
    time: event.time,
    stackId: event.stackId,
    resource:
      event.kind === 'resource-status'
        ? {
            logicalResourceId: event.logicalResourceId,
            physicalResourceId: event.physicalResourceId,
            resourceType: event.resourceType,
          }
        : null,
    status: event.status,
    statusReason: event.statusReason,
    clientRequestToken: '',
  });
}

/**
 * Writes, through `write`, one line per event of every stack the store keeps events of, dated in
 * [from, to]: stack by stack (in stack id order), each stack's in time order; `replay` orders
 * them by time. A status the sweeper made up from DescribeStacks (its event was lost) goes out as
 * an event too, dated as the sweeper dated it: without it, a replay of the export would see that
 * operation run on for ever. Returns how many, and how many of them were made up.
 *
 * @example
 * const count = await exportEvents({ db: './seed-db', from: '2021-09-21', to: '2021-09-22' }, Date.now, write);
 */
export async function exportEvents(
  flags: ExportFlags,
  clock: () => Instant,
  write: (line: string) => void,
): Promise<{
  readonly events: number;
  readonly reconciled: number;
  readonly stacks: number;
  readonly from: Instant;
  readonly to: Instant;
}> {
  const rangeAt = readRange(flags);
  const nowOf = readNow(flags, clock);
  const source = await openStore(flags);
  try {
    const { from, to } = rangeAt((await nowOf(source)).at);
    const { stack } = flags;
    const stackIds =
      stack === undefined
        ? await source.store.stacksWithHistory()
        : parseStackArn(stack)
          ? [stack]
          : await source.store.stacksNamed(stack, { from, to });
    let events = 0;
    let reconciled = 0;
    let stacks = 0;
    for (const stackId of stackIds) {
      const kept = (await source.store.stackHistory(stackId, from)).filter((event) => event.time <= to);
      if (kept.length > 0) stacks += 1;
      for (const event of kept) write(`${JSON.stringify(asDelivered(event))}\n`);
      events += kept.length;
      reconciled += kept.filter((event) => event.kind === 'stack-status' && event.synthetic).length;
    }
    return { events, reconciled, stacks, from, to };
  } catch (error) {
    throw source.explain(error);
  } finally {
    await source.close();
  }
}
