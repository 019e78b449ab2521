/**
 * `cfn-watchdog windows`: the impact windows overlapping [from, to], for postmortems and the
 * systems that re-process the work that failed during them.
 */
import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import type { ServiceWindow } from '../shared/app/ports.ts';
import {
  formatInstant,
  humanDuration,
  parseUserInstant,
  TimeFormatError,
  type Clock,
  type Instant,
} from '../shared/domain/time.ts';
import { openStore, readNow, type DataSourceFlags, type Now } from './data-source.ts';
import { watchedStack } from './watched-stack.ts';
import { dayStartIn, zonedFormatter, type TimeFormatter } from './zoned-time.ts';

const DAY_MS = 86_400_000;

export interface WindowsFlags extends DataSourceFlags {
  from?: string;
  to?: string;
  service?: string;
  account?: string;
  windowRegion?: string;
  open?: boolean;
  tz?: string;
  asOf?: string;
  /** The watched stack: only windows naming it. */
  stack?: string;
  format?: 'table' | 'json' | 'csv';
}

/** One window as the formats print it. */
export interface WindowRow {
  readonly start: string;
  readonly end: string | null;
  readonly open: boolean;
  readonly durationSeconds: number;
  readonly service: string;
  readonly account: string;
  readonly region: string;
  readonly peakSeverity: string;
  readonly stacks: readonly string[];
}

/**
 * The range a read command covers, as a function of "now": `--to` (default now) and `--from`
 * (default 7 days before `--to`); a date is the midnight that begins it in `--tz`, so a day
 * there is asked for as it reads. What is given is parsed at once, to be refused before the
 * store is opened.
 *
 * @example
 * readRange({ from: '2021-09-21', tz: 'Europe/Berlin' })(now); // { from: 2021-09-20T22:00:00Z, to: now }
 */
export function readRange(flags: {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly tz?: string | undefined;
}): (now: Instant) => { from: Instant; to: Instant } {
  const dayStart = dayStartIn(flags.tz);
  const to = flags.to === undefined ? undefined : parseUserInstant(flags.to, '--to', dayStart);
  const from = flags.from === undefined ? undefined : parseUserInstant(flags.from, '--from', dayStart);
  const range = (now: Instant): { from: Instant; to: Instant } => {
    const end = to ?? now;
    const start = from ?? end - 7 * DAY_MS;
    if (start >= end)
      throw new TimeFormatError(`--from must be before --to, got ${formatInstant(start)} and ${formatInstant(end)}`);
    return { from: start, to: end };
  };
  if (to !== undefined) range(to);
  return range;
}

export function windowRow(window: ServiceWindow, now: Instant, format: TimeFormatter): WindowRow {
  return {
    start: format(window.start),
    end: window.end === null ? null : format(window.end),
    open: window.end === null,
    durationSeconds: Math.floor(((window.end ?? now) - window.start) / 1000),
    service: window.key.service,
    account: window.key.account,
    region: window.key.region,
    peakSeverity: window.peakSeverity,
    stacks: window.stacks,
  };
}

const CSV_COLUMNS = [
  'start',
  'end',
  'open',
  'durationSeconds',
  'service',
  'account',
  'region',
  'peakSeverity',
  'stacks',
] as const;

/** RFC 4180, a header row, one window per row; stacks joined by spaces (stack names have none). */
export function windowsCsv(rows: readonly WindowRow[]): string {
  return stringify(
    rows.map((row) => ({
      ...row,
      end: row.end ?? '',
      open: row.open ? 'open' : 'closed',
      stacks: row.stacks.join(' '),
    })),
    { header: true, columns: [...CSV_COLUMNS], record_delimiter: 'windows' },
  );
}

export function windowsTable(rows: readonly WindowRow[], heading: string): string {
  const table = new Table({
    head: ['service', 'account / region', 'start', 'end', 'duration', 'peak', 'stacks'],
    style: { head: [], border: [] },
  });
  for (const row of rows) {
    table.push([
      row.service,
      `${row.account} / ${row.region}`,
      row.start,
      row.end ?? 'STILL OPEN',
      `${humanDuration(row.durationSeconds * 1000)}${row.open ? ' so far' : ''}`,
      row.peakSeverity,
      row.stacks.join('\n'),
    ]);
  }
  const title = `${heading}: ${rows.length}`;
  return rows.length === 0 ? `${title}\n` : `${title}\n${table.toString()}\n`;
}

/**
 * Runs the command and returns what to print.
 *
 * @example
 * process.stdout.write(await listWindows({ db: './incident', from: '2021-09-21', to: '2021-09-22', format: 'csv' },
 * Date.now, false));
 */
export async function listWindows(flags: WindowsFlags, clock: Clock, isTty: boolean): Promise<string> {
  const format = zonedFormatter(flags.tz);
  const rangeAt = readRange(flags);
  const nowOf = readNow(flags, clock);
  const watched = watchedStack(flags.stack);
  const source = await openStore(flags);
  let windows: ServiceWindow[];
  let now: Now;
  let range: { from: Instant; to: Instant };
  try {
    now = await nowOf(source);
    range = rangeAt(now.at);
    windows = await source.store.windowsOverlapping({ ...range, service: flags.service });
  } catch (error) {
    throw source.explain(error);
  } finally {
    await source.close();
  }
  const rows = windows
    .filter(
      (window) =>
        (flags.account === undefined || window.key.account === flags.account) &&
        (flags.windowRegion === undefined || window.key.region === flags.windowRegion),
    )
    .filter((window) => !flags.open || window.end === null)
    .filter((window) => watched.window(window.key.account, window.key.region, window.stacks))
    .map((window) => windowRow(window, now.at, format));
  switch (flags.format ?? (isTty ? 'table' : 'json')) {
    case 'json':
      return `${JSON.stringify(rows, null, 2)}\n`;
    case 'csv':
      return windowsCsv(rows);
    case 'table':
      return windowsTable(
        rows,
        `Impact windows overlapping ${format(range.from)} to ` +
          `${format(range.to)}${flags.to === undefined ? now.note : ''}`,
      );
  }
}
