/**
 * What `cfn-watchdog report` shows, read through the store port: the windows overlapping the
 * range name the services; each service's state gives its stacks' operations and the
 * notifications that went out.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WatchdogStore, WindowQuery } from '../shared/app/ports.ts';
import { groupBy } from '../shared/domain/collections.ts';
import type { WatchdogConfig } from '../shared/domain/config.ts';
import {
  canonicalRecords,
  deriveOperations,
  operationStop,
  statusRecordOf,
  type Operation,
  type StatusRecord,
} from '../shared/domain/operations.ts';
import { timelinesOfService } from '../shared/app/timeline.ts';
import { serviceKeyId, type ServiceKey } from '../shared/domain/service.ts';
import { reachedPeople } from '../shared/domain/claims.ts';
import type { StackState } from '../shared/domain/stack-state.ts';
import type { Clock, Instant } from '../shared/domain/time.ts';
import type { ImpactWindow } from '../shared/domain/windows.ts';
import { openStore, readNow, type DataSourceFlags } from './data-source.ts';
import {
  renderReport,
  type ReportData,
  type ReportNotification,
  type ReportService,
  type ReportStack,
} from './report.ts';
import { plural } from './text.ts';
import { readRange } from './windows.ts';
import { watchedStack, type WatchedStack } from './watched-stack.ts';
import { zonedFormatter } from './zoned-time.ts';
import { UserInputError } from '../shared/errors.ts';

/** The report file could not be written: the user's path, so a usage mistake (exit 2). */
export class ReportOutputError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReportOutputError';
  }
}

function overlaps(operation: Operation, from: Instant, to: Instant, now: Instant): boolean {
  return operation.start <= to && (operationStop(operation) ?? now) >= from;
}

/** Operations overlapping the range may have begun before it: their history is read from this much earlier. */
const LOOKBACK_MS = 86_400_000;

/**
 * One service's part of the report: its stacks with an operation or a sent notification in
 * [from, to], ordered by their first operation there. Operations come from the stacks'
 * timelines (so history folded out of the stacks' states still shows, for its 90 days) merged with
 * the states' records (which hold what DescribeStacks told the sweeper when an event was lost).
 */
async function serviceReport(
  store: WatchdogStore,
  key: ServiceKey,
  states: readonly StackState[],
  windows: readonly ImpactWindow[],
  query: WindowQuery,
  now: Instant,
): Promise<ReportService> {
  const { from, to } = query;
  const historyFrom = Math.min(from, ...windows.map((window) => window.start)) - LOOKBACK_MS;
  const timelines = await timelinesOfService(store, key, { from: historyFrom, to });
  const stateRecords = groupBy(
    states.flatMap((stack) => stack.records),
    (record) => record.stackId,
  );
  const recordsByStack = new Map<string, StatusRecord[]>();
  for (const timeline of timelines) {
    const history = timeline.events.flatMap((event) => (event.kind === 'stack-status' ? [statusRecordOf(event)] : []));
    recordsByStack.set(timeline.stackId, canonicalRecords([...history, ...(stateRecords.get(timeline.stackId) ?? [])]));
  }
  for (const [stackId, records] of stateRecords)
    if (!recordsByStack.has(stackId)) recordsByStack.set(stackId, [...records]);
  // A stack's latest name: the records are in canonical order.
  const nameOf = (stackId: string): string => recordsByStack.get(stackId)?.at(-1)?.stackName ?? stackId;
  const notifications: ReportNotification[] = states
    .flatMap((stack) => stack.claims)
    .flatMap((claim) =>
      reachedPeople(claim) && claim.delivery.at >= from && claim.delivery.at <= to
        ? [
            {
              at: claim.delivery.at,
              severity: claim.severity,
              stackId: claim.stackId,
              stackName: nameOf(claim.stackId),
            },
          ]
        : [],
    );
  notifications.sort((a, b) => a.at - b.at);
  const stacks: ReportStack[] = [...recordsByStack]
    .map(([stackId, records]) => ({
      stackId,
      stackName: nameOf(stackId),
      operations: deriveOperations(records).filter((operation) => overlaps(operation, from, to, now)),
    }))
    .filter(
      (stack) =>
        stack.operations.length > 0 || notifications.some((notification) => notification.stackId === stack.stackId),
    );
  const firstStart = (stack: ReportStack): Instant => stack.operations[0]?.start ?? Number.POSITIVE_INFINITY;
  stacks.sort((a, b) => firstStart(a) - firstStart(b) || (a.stackId < b.stackId ? -1 : a.stackId > b.stackId ? 1 : 0));
  return { key, stacks, windows, notifications };
}

/**
 * Reads what a report of [from, to] shows: the services with a window overlapping it (one
 * service with `service`), their windows, their stacks' operations overlapping it and the
 * notifications sent in it. Notifications of history folded out of the stacks' states are no
 * longer known; its operations and windows still show.
 *
 * @example
 * const data = await loadReportData(store, { from: Date.parse('2021-09-21T18:30:00Z'), to:
 * Date.parse('2021-09-21T20:30:00Z') }, config, Date.now());
 * data.services[0]?.windows; // [{ start: 19:09, end: 20:07, peakSeverity: 'FAILED', … }]
 */
export async function loadReportData(
  store: WatchdogStore,
  query: WindowQuery,
  config: WatchdogConfig,
  now: Instant,
  watched: WatchedStack = watchedStack(undefined),
): Promise<ReportData> {
  const windows = (await store.windowsOverlapping(query)).filter((window) =>
    watched.window(window.key.account, window.key.region, window.stacks),
  );
  const services: ReportService[] = [];
  for (const serviceWindows of groupBy(windows, (window) => serviceKeyId(window.key)).values()) {
    const key = serviceWindows[0]?.key;
    if (key === undefined) continue;
    const plain = serviceWindows.map(({ key: _key, ...window }): ImpactWindow => window);
    const service = await serviceReport(store, key, (await store.loadService(key)).stacks, plain, query, now);
    services.push({
      ...service,
      stacks: service.stacks.filter((stack) => watched.stack(stack)),
      notifications: service.notifications.filter((notification) => watched.stack(notification)),
    });
  }
  return { from: query.from, to: query.to, generatedAt: now, thresholds: config.thresholds, services };
}

export interface ReportFlags extends DataSourceFlags {
  out: string;
  from?: string;
  to?: string;
  service?: string;
  tz?: string;
  asOf?: string;
  /** The watched stack: only it, and the windows naming it. */
  stack?: string;
}

/** The flags that name the data source, for the hand-off command to read the same store. */
function dataSourceArgs(flags: DataSourceFlags): string[] {
  return [
    ...(flags.db === undefined ? [] : ['--db', path.resolve(flags.db)]),
    ...(flags.endpoint === undefined ? [] : ['--endpoint', flags.endpoint]),
    ...(flags.table === undefined ? [] : ['--table', flags.table]),
    ...(flags.watchdogStack === undefined ? [] : ['--watchdog-stack', flags.watchdogStack]),
    ...(flags.region === undefined ? [] : ['--aws-region', flags.region]),
    ...(flags.profile === undefined ? [] : ['--profile', flags.profile]),
  ];
}

/**
 * Runs the command: reads the store, writes the HTML file, returns the line to print.
 *
 * @example
 * process.stdout.write(await writeReport({ db: './incident', from: '2021-09-21', to: '2021-09-22', out: 'report.html'
 * }, DEFAULT_CONFIG, Date.now));
 * // wrote report.html: 1 window, 3 stacks
 */
export async function writeReport(flags: ReportFlags, config: WatchdogConfig, clock: Clock): Promise<string> {
  zonedFormatter(flags.tz); // a bad --tz fails before the store is opened
  const rangeAt = readRange(flags);
  const nowOf = readNow(flags, clock);
  const watched = watchedStack(flags.stack);
  const source = await openStore(flags);
  let data: ReportData;
  try {
    const now = await nowOf(source);
    data = await loadReportData(source.store, { ...rangeAt(now.at), service: flags.service }, config, now.at, watched);
  } catch (error) {
    throw source.explain(error);
  } finally {
    await source.close();
  }
  const html = renderReport(data, { tz: flags.tz, sourceArgs: dataSourceArgs(flags) });
  try {
    await writeFile(flags.out, html);
  } catch (error) {
    throw new ReportOutputError(
      `--out: cannot write '${flags.out}': ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const windowCount = data.services.reduce((count, service) => count + service.windows.length, 0);
  const stackCount = data.services.reduce((count, service) => count + service.stacks.length, 0);
  return `wrote ${flags.out}: ${plural(windowCount, 'window')}, ${plural(stackCount, 'stack')}\n`;
}
