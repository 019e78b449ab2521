/**
 * `cfn-watchdog backtest` (issue 18): what thresholds would have done with a history. The same
 * events are replayed once per setting, through the very code the Lambdas run, and each setting is
 * judged by what a team weighs when it picks one: how often it pages, how early it caught the
 * operations that went wrong (failed, or ran over an hour), and how often it paged for nothing
 * (operations that then finished normally within the hour).
 */
import Table from 'cli-table3';
import { operationStop, type Operation } from '../shared/domain/operations.ts';
import { Severity } from '../shared/domain/severity.ts';
import { formatThresholds, type Thresholds } from '../shared/domain/thresholds.ts';
import { formatInstant, MINUTE_MS, type Instant } from '../shared/domain/time.ts';
import type { Notification } from '../shared/domain/notification.ts';
import type { ReplayResult } from './replay.ts';

/** An operation that went wrong: it failed, or ran longer than this. */
export const TROUBLE_AFTER_MS = 60 * MINUTE_MS;
const WEEK_MS = 7 * 24 * 60 * MINUTE_MS;

/** An operation that went wrong, and when each setting first paged for it. */
export interface TroubledOperation {
  readonly stackName: string;
  readonly stackId: string;
  readonly operation: Operation['type'];
  readonly start: Instant;
  /** `null`: still running at the end of the history. */
  readonly end: Instant | null;
  readonly finalStatus: string | null;
  /** Per setting (in the order given): minutes between its first WARNING or CRITICAL and the end, `null` if none. */
  readonly leadMinutes: readonly (number | null)[];
}

export interface SettingSummary {
  readonly thresholds: string;
  readonly pages: { readonly WARNING: number; readonly CRITICAL: number };
  readonly pagesPerWeek: { readonly WARNING: number; readonly CRITICAL: number };
  /** Troubled operations paged before their end. */
  readonly caught: number;
  /** The median of their lead times, in minutes; `null` when none was caught. */
  readonly medianLeadMinutes: number | null;
  /** WARNING and CRITICAL pages for operations that then finished normally within the hour. */
  readonly noise: number;
}

export interface Backtest {
  readonly from: Instant;
  readonly until: Instant;
  readonly days: number;
  readonly settings: readonly SettingSummary[];
  readonly troubled: readonly TroubledOperation[];
}

const isPage = (n: Notification): boolean => n.severity === Severity.WARNING || n.severity === Severity.CRITICAL;

/**
 * The operation a page was for: the stack's operation of its type whose span holds the start it
 * named (an abandoned one's span ends where the next began: its own end was never seen).
 */
function pagedOperation(n: Notification, operations: readonly Operation[]): Operation | undefined {
  return operations.find((operation) => {
    const stop = operationStop(operation);
    return (
      operation.stackId === n.stackId &&
      operation.type === n.operation &&
      operation.start <= n.startedAt &&
      (stop === null || n.startedAt < stop || (operation.state === 'ended' && n.startedAt === stop))
    );
  });
}

const endOf = (operation: Operation): Instant | null => (operation.state === 'ended' ? operation.end : null);

function troubled(operation: Operation, until: Instant): boolean {
  if (operation.state === 'ended') return operation.failed || operation.end - operation.start > TROUBLE_AFTER_MS;
  return operation.state === 'running' && until - operation.start > TROUBLE_AFTER_MS;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

function median(values: readonly number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? null) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Judges each setting's replay of the same history: `runs[i]` is the replay with `thresholds[i]`.
 * The operations are the first run's (they do not depend on the thresholds).
 *
 * @example
 * const backtest = summarizeBacktest([fixedRun, autoRun], [fixed, auto], firstEventTime);
 */
export function summarizeBacktest(
  runs: readonly ReplayResult[],
  thresholds: readonly Thresholds[],
  from: Instant,
): Backtest {
  const first = runs[0];
  const until = first?.until ?? from;
  const operations = (first?.operations ?? []).map((replayed) => replayed.operation);
  const weeks = Math.max(until - from, 1) / WEEK_MS;
  const leads = runs.map((run) => {
    const firstPage = new Map<Operation, Instant>();
    for (const n of run.notifications.filter(isPage)) {
      const operation = pagedOperation(n, operations);
      if (operation && !firstPage.has(operation)) firstPage.set(operation, n.at);
    }
    return firstPage;
  });
  const troubles = operations.filter((operation) => troubled(operation, until));
  const leadOf = (operation: Operation, setting: number): number | null => {
    const paged = leads[setting]?.get(operation);
    const end = endOf(operation) ?? until;
    return paged === undefined || paged > end ? null : round1((end - paged) / MINUTE_MS);
  };
  const settings = runs.map((run, setting): SettingSummary => {
    const pages = run.notifications.filter(isPage);
    const count = (severity: Severity) => pages.filter((n) => n.severity === severity).length;
    const caughtLeads = troubles.flatMap((operation) => {
      const lead = leadOf(operation, setting);
      return lead === null ? [] : [lead];
    });
    const noise = pages.filter((n) => {
      const operation = pagedOperation(n, operations);
      return operation !== undefined && operation.state === 'ended' && !troubled(operation, until);
    }).length;
    return {
      thresholds: formatThresholds(thresholds[setting] as Thresholds),
      pages: { WARNING: count(Severity.WARNING), CRITICAL: count(Severity.CRITICAL) },
      pagesPerWeek: {
        WARNING: round1(count(Severity.WARNING) / weeks),
        CRITICAL: round1(count(Severity.CRITICAL) / weeks),
      },
      caught: caughtLeads.length,
      medianLeadMinutes: median(caughtLeads),
      noise,
    };
  });
  return {
    from,
    until,
    days: round1((until - from) / (WEEK_MS / 7)),
    settings,
    troubled: troubles.map((operation) => ({
      stackName: operation.stackName,
      stackId: operation.stackId,
      operation: operation.type,
      start: operation.start,
      end: endOf(operation),
      finalStatus: operation.state === 'ended' ? operation.finalStatus : null,
      leadMinutes: runs.map((_, setting) => leadOf(operation, setting)),
    })),
  };
}

/** The backtest as JSON: times ISO-8601 UTC. */
export function backtestJson(backtest: Backtest) {
  return {
    from: formatInstant(backtest.from),
    until: formatInstant(backtest.until),
    days: backtest.days,
    settings: backtest.settings,
    troubled: backtest.troubled.map((operation) => ({
      ...operation,
      start: formatInstant(operation.start),
      end: operation.end === null ? null : formatInstant(operation.end),
    })),
  };
}

/** The backtest for people: one row per setting, then the troubled operations and each setting's lead. */
export function backtestTable(backtest: Backtest): string {
  const troubledCount = backtest.troubled.length;
  const summary = new Table({
    head: ['thresholds', 'WARNING/week', 'CRITICAL/week', 'caught before the end', 'median lead', 'noise pages'],
    style: { head: [], border: [] },
  });
  for (const setting of backtest.settings) {
    summary.push([
      setting.thresholds,
      setting.pagesPerWeek.WARNING,
      setting.pagesPerWeek.CRITICAL,
      `${setting.caught} of ${troubledCount}`,
      setting.medianLeadMinutes === null ? '' : `${setting.medianLeadMinutes} min`,
      setting.noise,
    ]);
  }
  const details = new Table({
    head: [
      'stack',
      'operation',
      'start (UTC)',
      'end (UTC)',
      'final status',
      ...backtest.settings.map((s) => s.thresholds),
    ],
    style: { head: [], border: [] },
  });
  for (const operation of backtest.troubled) {
    details.push([
      operation.stackName,
      operation.operation,
      formatInstant(operation.start),
      operation.end === null ? 'still running' : formatInstant(operation.end),
      operation.finalStatus ?? '',
      ...operation.leadMinutes.map((lead) => (lead === null ? 'not paged' : `${lead} min before`)),
    ]);
  }
  return [
    `Backtest of ${formatInstant(backtest.from)} to ${formatInstant(backtest.until)} (${backtest.days} days).`,
    'Caught: operations that failed or ran over an hour, paged (WARNING or CRITICAL) before their end;',
    'lead: how long before their end; noise: pages for operations that then finished normally within the hour.',
    '',
    summary.toString(),
    '',
    `Operations that failed or ran over an hour: ${troubledCount}`,
    troubledCount > 0 ? details.toString() : '(none)',
    '',
  ].join('\n');
}
