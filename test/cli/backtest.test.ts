/**
 * `cfn-watchdog backtest` (issue 18) on the history shipped in events/backtest/ (written by
 * scripts/generate-deployments.ts): three updates go wrong, their times known from the file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stackEvent } from '../support/events.ts';
import { removeWrittenEvents, ROOT, runCli, writeEvents } from './harness.ts';

afterAll(removeWrittenEvents);

const HISTORY = path.join(ROOT, 'events/backtest/orders-30-days.jsonl');
const RULE = ['--service-rule', 'orders=^orders-'];

interface BacktestOut {
  readonly days: number;
  readonly settings: readonly {
    readonly thresholds: string;
    readonly pages: { readonly WARNING: number; readonly CRITICAL: number };
    readonly pagesPerWeek: { readonly WARNING: number; readonly CRITICAL: number };
    readonly caught: number;
    readonly noise: number;
  }[];
  readonly troubled: readonly {
    readonly stackName: string;
    readonly start: string;
    readonly end: string | null;
    readonly finalStatus: string | null;
    readonly leadMinutes: readonly (number | null)[];
  }[];
}

/** `backtest FILE ARGS --format json` (the shipped history with its service rule, unless given), parsed. */
async function backtest(args: readonly string[], file: readonly string[] = [HISTORY, ...RULE]): Promise<BacktestOut> {
  const run = await runCli(['backtest', ...file, ...args, '--format', 'json']);
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as BacktestOut;
}

describe('cfn-watchdog backtest', () => {
  it('finds the three updates that went wrong, and how long before their end each setting paged', async () => {
    // Act
    const result = await backtest(['--thresholds', '*=20m/40m', '--thresholds', '*=auto']);

    // Assess: the API's cleanup stuck from 10:04 to 11:19:31 is paged at 10:24 by 20m/40m.
    expect(result.troubled.map((op) => [op.stackName, op.start, op.end, op.finalStatus])).toEqual([
      ['orders-api-prod', '2026-10-07T10:04:00Z', '2026-10-07T11:19:31Z', 'UPDATE_COMPLETE'],
      ['orders-worker-prod', '2026-10-14T08:26:00Z', '2026-10-14T08:58:25Z', 'UPDATE_ROLLBACK_COMPLETE'],
      ['orders-db-prod', '2026-10-21T10:08:00Z', '2026-10-21T11:18:24Z', 'UPDATE_COMPLETE'],
    ]);
    const [api, worker, db] = result.troubled;
    expect(api?.leadMinutes[0]).toBe(55.5);
    expect(worker?.leadMinutes[0]).toBe(12.4);
    // Adaptive: earlier for the quick stacks; the database's usual 17 minutes puts it at the ceiling.
    expect(api?.leadMinutes[1]).toBeGreaterThan(55.5);
    expect(worker?.leadMinutes[1]).toBeGreaterThan(12.4);
    expect(db?.leadMinutes[1]).toBe(db?.leadMinutes[0]);
    expect(result.settings.map((setting) => [setting.thresholds, setting.caught, setting.noise])).toEqual([
      ['*=20m/40m', 3, 0],
      ['*=auto:20m/40m', 3, 0],
    ]);
  });

  it('shows what lower fixed thresholds cost: the database stack paged at every normal update', async () => {
    // Act
    const result = await backtest(['--thresholds', '*=20m/40m', '--thresholds', '*=10m/20m']);

    // Assess
    const [fixed, low] = result.settings;
    expect(low?.noise).toBeGreaterThan(10);
    expect(low?.pagesPerWeek.WARNING).toBeGreaterThan(fixed?.pagesPerWeek.WARNING ?? 0);
    expect(low?.pagesPerWeek.WARNING).toBe(Math.round(((low?.pages.WARNING ?? 0) / (result.days / 7)) * 10) / 10);
  });

  it('counts a page for an update that then finished within the hour as noise, one that ran on as caught', async () => {
    // Prepare: a 30-minute update (paged at 20, finished: noise) and a 90-minute one (caught 70 minutes early).
    const stack = { name: 'solo' };
    const file = writeEvents('backtest-noise', [
      stackEvent(stack, '2026-10-01T10:00:00Z', 'UPDATE_IN_PROGRESS'),
      stackEvent(stack, '2026-10-01T10:30:00Z', 'UPDATE_COMPLETE'),
      stackEvent(stack, '2026-10-02T10:00:00Z', 'UPDATE_IN_PROGRESS'),
      stackEvent(stack, '2026-10-02T11:30:00Z', 'UPDATE_COMPLETE'),
    ]);

    // Act
    const result = await backtest(['--thresholds', '*=20m/40m'], [file]);

    // Assess
    expect(result.settings[0]).toMatchObject({ pages: { WARNING: 2, CRITICAL: 1 }, caught: 1, noise: 1 });
    expect(result.troubled.map((op) => [op.start, op.leadMinutes])).toEqual([['2026-10-02T10:00:00Z', [70]]]);
  });

  it("matches the README's worked example, row by row", async () => {
    // Act
    const result = await backtest(['--thresholds', '*=20m/40m', '--thresholds', '*=10m/20m', '--thresholds', '*=auto']);

    // Assess
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const [api, worker] = result.troubled;
    const spelled = ['*=20m/40m', '*=10m/20m', '*=auto'];
    result.settings.forEach((setting, index) => {
      const row =
        `| \`${spelled[index]}\` | ${setting.pagesPerWeek.WARNING} | ${setting.caught} of 3 | ` +
        `${api?.leadMinutes[index]} min before | ${worker?.leadMinutes[index]} min before | ${setting.noise} |`;
      expect(readme).toContain(row);
    });
  });

  it('gives the pages of an update to it, not to an earlier one whose completion was lost', async () => {
    // Prepare: the 08:00 update's UPDATE_COMPLETE never came; the 12:00 one hangs until 13:30.
    const stack = { name: 'lossy' };
    const file = writeEvents('backtest-abandoned', [
      stackEvent(stack, '2026-10-01T08:00:00Z', 'UPDATE_IN_PROGRESS'),
      stackEvent(stack, '2026-10-01T12:00:00Z', 'UPDATE_IN_PROGRESS'),
      stackEvent(stack, '2026-10-01T13:30:00Z', 'UPDATE_COMPLETE'),
    ]);

    // Act
    const result = await backtest(['--thresholds', '*=20m/40m'], [file]);

    // Assess: paged at 12:20, 70 minutes before its end.
    expect(result.troubled.map((op) => [op.start, op.leadMinutes])).toEqual([['2026-10-01T12:00:00Z', [70]]]);
    expect(result.settings[0]?.caught).toBe(1);
  });

  it.each([
    [[], "give the settings to compare, e.g. --thresholds '*=20m/40m'"],
    [['--thresholds', '*=20m/40m', '--thresholds', 'UPDATE=soon'], "'UPDATE=soon' is not TYPE=WARN/CRITICAL"],
  ])('refuses %j with exit status 2, before replaying anything', async (args, message) => {
    // Act
    const run = await runCli(['backtest', HISTORY, ...args]);

    // Assess
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });

  it('prints a table with a row per setting and the troubled operations', async () => {
    // Act
    const run = await runCli(['backtest', HISTORY, ...RULE, '--thresholds', '*=20m/40m', '--format', 'table']);

    // Assess
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Operations that failed or ran over an hour: 3');
    expect(run.stdout).toMatch(/│ \*=20m\/40m\s+│ 0\.7\s+│/);
    expect(run.stdout).toContain('55.5 min before');
  });
});
