/**
 * `cfn-watchdog timeline`: what one stack, or every stack of a service, went through in
 * [from, to], in order — the stack and resource status changes CloudFormation reported.
 */
import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import type { HistoryEvent } from '../shared/app/ports.ts';
import { serviceTimelines, stackTimelines, type StackTimeline, type TimelineRange } from '../shared/app/timeline.ts';
import type { Clock, Instant } from '../shared/domain/time.ts';
import { openStore, readNow, type DataSourceFlags, type Now } from './data-source.ts';
import { readRange } from './windows.ts';
import { zonedFormatter, type TimeFormatter } from './zoned-time.ts';
import { WatchdogError } from '../shared/errors.ts';

export interface TimelineFlags extends DataSourceFlags {
  stack?: string;
  service?: string;
  from?: string;
  to?: string;
  account?: string;
  stackRegion?: string;
  tz?: string;
  asOf?: string;
  format?: 'table' | 'json' | 'csv';
}

/** One event as the formats print it. */
export interface TimelineRow {
  readonly time: string;
  readonly stackName: string;
  readonly stackId: string;
  readonly account: string;
  readonly region: string;
  readonly service: string | null;
  readonly kind: 'stack' | 'resource';
  readonly logicalResourceId: string | null;
  readonly resourceType: string | null;
  readonly physicalResourceId: string | null;
  readonly status: string;
  readonly statusReason: string;
}

/**
 * Nothing recorded matches: exit status 1, and a line saying what was looked for and where. The
 * request was sound (a WatchdogError, not a UserInputError): the store just holds nothing for it.
 */
export class NothingFoundError extends WatchdogError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NothingFoundError';
  }
}

function rowOf(event: HistoryEvent, stack: StackTimeline, format: TimeFormatter): TimelineRow {
  const resource = event.kind === 'resource-status' ? event : null;
  return {
    time: format(event.time),
    stackName: stack.stackName,
    stackId: stack.stackId,
    account: stack.account,
    region: stack.region,
    service: stack.service,
    kind: resource ? 'resource' : 'stack',
    logicalResourceId: resource?.logicalResourceId ?? null,
    resourceType: resource?.resourceType ?? null,
    physicalResourceId: resource?.physicalResourceId ?? null,
    status: event.status,
    // A status the sweeper made up from DescribeStacks because its event was lost: say so.
    statusReason: event.kind === 'stack-status' && event.synthetic ? RECONCILED_REASON : event.statusReason,
  };
}

const RECONCILED_REASON = 'reconciled: its event never arrived; the sweeper made it up from DescribeStacks';

const CSV_COLUMNS = [
  'time',
  'stackName',
  'stackId',
  'account',
  'region',
  'service',
  'kind',
  'logicalResourceId',
  'resourceType',
  'physicalResourceId',
  'status',
  'statusReason',
] as const;

function timelineTable(rows: readonly TimelineRow[], heading: string): string {
  // A name used by several stacks (deleted and created again) is told apart by its id's uuid.
  const idsByName = new Map<string, Set<string>>();
  for (const row of rows) idsByName.set(row.stackName, (idsByName.get(row.stackName) ?? new Set()).add(row.stackId));
  const label = (row: TimelineRow) =>
    (idsByName.get(row.stackName)?.size ?? 0) > 1
      ? `${row.stackName} (${row.stackId.split('/').at(-1)?.slice(0, 8) ?? ''})`
      : row.stackName;
  const table = new Table({
    head: ['time', 'stack', 'resource', 'status', 'reason'],
    style: { head: [], border: [] },
    wordWrap: true,
    colWidths: [null, null, null, null, 60],
  });
  for (const row of rows) {
    table.push([
      row.time,
      label(row),
      row.logicalResourceId ? `${row.logicalResourceId} (${row.resourceType ?? ''})` : '(stack)',
      row.status,
      row.statusReason,
    ]);
  }
  return `${heading}: ${rows.length} events\n${table.toString()}\n`;
}

/**
 * Runs the command and returns what to print; {@link NothingFoundError} when nothing matches.
 *
 * @example
 * process.stdout.write(await showTimeline({ db: './incident', stack: 'trustsource-core-prod', from: '2021-09-21', to:
 * '2021-09-22' }, Date.now, true));
 */
export async function showTimeline(flags: TimelineFlags, clock: Clock, isTty: boolean): Promise<string> {
  const format = zonedFormatter(flags.tz);
  const rangeAt = readRange(flags);
  const nowOf = readNow(flags, clock);
  const what = flags.stack !== undefined ? `stack '${flags.stack}'` : `service '${flags.service ?? ''}'`;
  const source = await openStore(flags);
  const found: { at: Instant; row: TimelineRow }[] = [];
  let now: Now;
  let range: TimelineRange;
  try {
    now = await nowOf(source);
    range = rangeAt(now.at);
    const wanted = (stack: StackTimeline) =>
      (flags.account === undefined || stack.account === flags.account) &&
      (flags.stackRegion === undefined || stack.region === flags.stackRegion);
    if (flags.stack !== undefined) {
      for (const stack of (await stackTimelines(source.store, flags.stack, range)).filter(wanted)) {
        found.push(...stack.events.map((event) => ({ at: event.time, row: rowOf(event, stack, format) })));
      }
    } else {
      const services = await serviceTimelines(source.store, {
        service: flags.service ?? '',
        account: flags.account,
        region: flags.stackRegion,
        ...range,
      });
      for (const { stacks } of services) {
        for (const stack of stacks)
          found.push(...stack.events.map((event) => ({ at: event.time, row: rowOf(event, stack, format) })));
      }
    }
  } catch (error) {
    throw source.explain(error);
  } finally {
    await source.close();
  }
  if (found.length === 0) {
    throw new NothingFoundError(
      `no events of ${what} between ${format(range.from)} and ${format(range.to)} in ${source.describe}`,
    );
  }
  // Merged in time order (a stable sort: within a second, the order each stack's timeline gave).
  const sorted = found.sort((a, b) => a.at - b.at).map(({ row }) => row);
  switch (flags.format ?? (isTty ? 'table' : 'json')) {
    case 'json':
      return `${JSON.stringify(sorted, null, 2)}\n`;
    case 'csv':
      return stringify(
        sorted.map((row) => ({
          ...row,
          service: row.service ?? '',
          logicalResourceId: row.logicalResourceId ?? '',
          resourceType: row.resourceType ?? '',
          physicalResourceId: row.physicalResourceId ?? '',
        })),
        { header: true, columns: [...CSV_COLUMNS], record_delimiter: 'windows' },
      );
    case 'table':
      return timelineTable(
        sorted,
        `Timeline of ${what}, ${format(range.from)} to ${format(range.to)}${flags.to === undefined ? now.note : ''}`,
      );
  }
}
