/**
 * `cfn-watchdog status`: what is running now, how long, how far it escalated, what is stuck; the
 * windows still open; and the stacks their own `cfn-watchdog:mute` tag silences.
 */
import Table from 'cli-table3';
import type { WatchdogStore } from '../shared/app/ports.ts';
import type { WatchdogConfig } from '../shared/domain/config.ts';
import { operationResourcesInProgress } from '../shared/app/resources.ts';
import { resourceLabel, type ResourceInProgress } from '../shared/domain/resources.ts';
import { parseStackArn } from '../shared/domain/events.ts';
import { reachedPeople } from '../shared/domain/claims.ts';
import { viewOperations } from '../shared/domain/operation-view.ts';
import { Quiet } from '../shared/domain/outbox.ts';
import { serviceKeyId } from '../shared/domain/service.ts';
import { MUTE_TAG } from '../shared/domain/stack-facts.ts';
import { silentLog } from '../shared/app/log.ts';
import { windowsAsOf } from '../shared/app/walk-windows.ts';
import { humanDuration, type Clock, type Instant } from '../shared/domain/time.ts';
import { openStore, readNow, type DataSourceFlags, type Now } from './data-source.ts';
import { windowRow, windowsTable, type WindowRow } from './windows.ts';
import { watchedStack } from './watched-stack.ts';
import { zonedFormatter, type TimeFormatter } from './zoned-time.ts';

export interface StatusFlags extends DataSourceFlags {
  tz?: string;
  asOf?: string;
  /** The watched stack: only its operations and the windows naming it. */
  stack?: string;
  format?: 'table' | 'json';
}

export interface RunningRow {
  readonly stackName: string;
  readonly stackId: string;
  readonly service: string;
  readonly account: string;
  readonly region: string;
  readonly operation: string;
  readonly status: string;
  readonly startedAt: string;
  readonly elapsedSeconds: number;
  readonly severity: string | null;
  readonly notified: readonly string[];
  /** Why it sends nothing: `muted`, or `nested in <root stack>` (its root's alerts tell); `null` when it pages. */
  readonly quiet: string | null;
  readonly resourcesInProgress: readonly (Omit<ResourceInProgress, 'since'> & { since: string })[];
}

/** A stack its own `cfn-watchdog:mute` tag silences: its operations page nobody until the tag goes. */
export interface MutedByTagRow {
  readonly stackName: string;
  readonly stackId: string;
  readonly service: string;
  readonly account: string;
  readonly region: string;
  readonly since: string;
}

/** Reading status sends nothing. */
const NOTHING_SENT = { publish: async (): Promise<void> => undefined };

interface Snapshot {
  readonly operations: RunningRow[];
  readonly openWindows: WindowRow[];
  readonly mutedByTag: MutedByTagRow[];
}

/**
 * Running operations and open windows as of `now`. Services with something to sweep are derived
 * afresh (their severities and windows move with the clock); the others' open windows (a stack
 * left failed) come from the window index.
 */
async function snapshot(
  store: WatchdogStore,
  config: WatchdogConfig,
  now: Instant,
  format: TimeFormatter,
): Promise<Snapshot> {
  const operations: RunningRow[] = [];
  const openWindows: WindowRow[] = [];
  const derived = new Set<string>();
  const readOnly = {
    store,
    config,
    clock: () => now,
    log: silentLog,
    notifier: NOTHING_SENT,
    escalations: NOTHING_SENT,
    windowEvents: NOTHING_SENT,
  };
  for (const { key } of await store.servicesToSweep()) {
    derived.add(serviceKeyId(key));
    for (const window of await windowsAsOf(readOnly, key, now))
      if (window.end === null) openWindows.push(windowRow({ ...window, key }, now, format));
    const { stacks } = await store.loadService(key);
    for (const { operation, severity, claims, latest, quiet, rootStackId } of viewOperations(stacks, now, config)) {
      if (operation.state !== 'running') continue;
      const root = rootStackId === null ? null : parseStackArn(rootStackId);
      operations.push({
        stackName: operation.stackName,
        stackId: operation.stackId,
        ...key,
        operation: operation.type,
        status: latest.status,
        startedAt: format(operation.start),
        elapsedSeconds: Math.floor((now - operation.start) / 1000),
        severity,
        notified: claims.filter(reachedPeople).map((claim) => claim.severity),
        quiet: quiet === Quiet.NESTED && root ? `nested in ${root.stackName}` : quiet,
        resourcesInProgress: (await operationResourcesInProgress(store, operation)).map((resource) => ({
          ...resource,
          since: format(resource.since),
        })),
      });
    }
  }
  for (const window of await store.windowsOverlapping({ from: now, to: now })) {
    if (window.end === null && !derived.has(serviceKeyId(window.key))) openWindows.push(windowRow(window, now, format));
  }
  operations.sort((a, b) => b.elapsedSeconds - a.elapsedSeconds);
  openWindows.sort((a, b) => a.start.localeCompare(b.start));
  const mutedByTag = (await store.stacksMutedByTag())
    .sort((a, b) => a.since - b.since || a.stackName.localeCompare(b.stackName))
    .map(({ key, stackId, stackName, since }) => ({ stackName, stackId, ...key, since: format(since) }));
  return { operations, openWindows, mutedByTag };
}

function runningTable(rows: readonly RunningRow[]): string {
  const table = new Table({
    head: ['stack', 'service', 'operation', 'status', 'started', 'elapsed', 'severity', 'still in progress'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [null, null, null, null, null, null, null, 50],
  });
  for (const row of rows) {
    table.push([
      row.stackName,
      `${row.service}\n${row.account} / ${row.region}`,
      row.operation,
      row.status,
      row.startedAt,
      humanDuration(row.elapsedSeconds * 1000),
      [
        row.severity ?? '',
        row.notified.length ? `(sent: ${row.notified.join(', ')})` : '',
        row.quiet ? `(${row.quiet})` : '',
      ]
        .filter(Boolean)
        .join('\n'),
      row.resourcesInProgress
        .map((r) => `${resourceLabel(r)} since ${r.since}${r.statusReason ? `: ${r.statusReason}` : ''}`)
        .join('\n'),
    ]);
  }
  const heading = `Operations in progress: ${rows.length}`;
  return rows.length === 0 ? `${heading}\n` : `${heading}\n${table.toString()}\n`;
}

/** Said even when none is: silence by tag is self-service, so status shows who chose it. */
function mutedTable(rows: readonly MutedByTagRow[]): string {
  const table = new Table({
    head: ['stack', 'service', 'account / region', 'muted since'],
    style: { head: [], border: [] },
  });
  for (const row of rows) table.push([row.stackName, row.service, `${row.account} / ${row.region}`, row.since]);
  const heading = `Stacks muted by their ${MUTE_TAG} tag: ${rows.length}`;
  return rows.length === 0 ? `${heading}\n` : `${heading}\n${table.toString()}\n`;
}

/**
 * Runs the command and returns what to print.
 *
 * @example
 * process.stdout.write(await showStatus({ table: 'cfn-watchdog-WatchdogTable-1X2Y' }, DEFAULT_CONFIG, Date.now, true));
 */
export async function showStatus(
  flags: StatusFlags,
  config: WatchdogConfig,
  clock: Clock,
  isTty: boolean,
): Promise<string> {
  const format = zonedFormatter(flags.tz);
  const nowOf = readNow(flags, clock);
  const source = await openStore(flags);
  let result: Snapshot;
  let now: Now;
  try {
    now = await nowOf(source);
    result = await snapshot(source.store, config, now.at, format);
  } catch (error) {
    throw source.explain(error);
  } finally {
    await source.close();
  }
  const watched = watchedStack(flags.stack);
  const operations = result.operations.filter((operation) => watched.stack(operation));
  const openWindows = result.openWindows.filter((window) =>
    watched.window(window.account, window.region, window.stacks),
  );
  const mutedByTag = result.mutedByTag.filter((stack) => watched.stack(stack));
  if ((flags.format ?? (isTty ? 'table' : 'json')) === 'json') {
    return `${JSON.stringify({ asOf: format(now.at), operations, openWindows, mutedByTag }, null, 2)}\n`;
  }
  const tables = [runningTable(operations), windowsTable(openWindows, 'Open impact windows'), mutedTable(mutedByTag)];
  return `Status as of ${format(now.at)}${now.note}\n\n${tables.join('\n')}`;
}
