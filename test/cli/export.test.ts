/**
 * `cfn-watchdog export` (issue 18): the events a store keeps, back as replay input. What a replay
 * of the export records and sends is what the replay of the original did.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshFolder, removeWrittenEvents, replayJson, runCli, SEED, SEED_RULE } from './harness.ts';

afterAll(removeWrittenEvents);

const RANGE = ['--from', '2021-09-21', '--to', '2021-09-22'];
let db = '';

beforeAll(async () => {
  db = freshFolder('export-seed-db');
  const run = await runCli(['replay', SEED, '--service-rule', SEED_RULE, '--db', db, '--format', 'json']);
  expect(run.status, run.stderr).toBe(0);
}, 60_000);

/** The export of the seed store with `args`, written to a file for replay. */
async function exported(args: readonly string[]): Promise<{ file: string; lines: unknown[]; stderr: string }> {
  const run = await runCli(['export', '--db', db, ...args]);
  expect(run.status, run.stderr).toBe(0);
  const file = path.join(freshFolder('export-out'), 'events.jsonl');
  writeFileSync(file, run.stdout);
  const lines = run.stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line): unknown => JSON.parse(line));
  return { file, lines, stderr: run.stderr };
}

describe('cfn-watchdog export', () => {
  it('gives back the 69 events of the seed, which replay to the same alerts and window', async () => {
    // Act
    const { file, lines, stderr } = await exported(RANGE);
    const original = await replayJson(SEED, ['--service-rule', SEED_RULE]);
    const again = await replayJson(file, ['--service-rule', SEED_RULE]);

    // Assess
    expect(lines).toHaveLength(69);
    expect(stderr).toContain('exported 69 events of 3 stacks, 2021-09-21T00:00:00Z to 2021-09-22T00:00:00Z');
    expect(again.notifications).toEqual(original.notifications);
    expect(again.windows).toEqual(original.windows);
    expect(again.operations).toEqual(original.operations);
  });

  it('keeps only the events dated within --from/--to, and of --stack', async () => {
    // Act
    const window = await exported(['--from', '2021-09-21T19:30:00Z', '--to', '2021-09-21T19:40:00Z']);
    const one = await exported([...RANGE, '--stack', 'trustsource-scan-prod']);

    // Assess
    const times = window.lines.map((line) => (line as { time: string }).time);
    expect(times.length).toBeGreaterThan(0);
    expect(times.every((time) => time >= '2021-09-21T19:30:00Z' && time <= '2021-09-21T19:40:00Z')).toBe(true);
    const stacks = new Set(one.lines.map((line) => (line as { detail: { 'stack-id': string } }).detail['stack-id']));
    expect([...stacks].map((arn) => arn.split('/')[1])).toEqual(['trustsource-scan-prod']);
  });

  it('keeps what the sweeper made up for a lost event, so that the export replays to the same window', async () => {
    // Prepare: the deletion's DELETE_COMPLETE was lost; the sweeper learned of it from DescribeStacks.
    const lostDelete = path.join(path.dirname(SEED), 'trustsource-2021-09-21-lost-delete.jsonl');
    const lossy = freshFolder('export-lost-db');
    const simulate = ['--service-rule', SEED_RULE, '--simulate-cloudformation', '--until', '2021-09-21T20:30:00Z'];
    const original = await runCli(['replay', lostDelete, ...simulate, '--db', lossy, '--format', 'json']);
    expect(original.status, original.stderr).toBe(0);

    // Act
    const run = await runCli(['export', '--db', lossy, ...RANGE]);
    const file = path.join(freshFolder('export-lost-out'), 'events.jsonl');
    writeFileSync(file, run.stdout);
    const again = await replayJson(file, ['--service-rule', SEED_RULE, '--until', '2021-09-21T20:30:00Z']);

    // Assess
    expect(run.stderr).toMatch(/\(1 of them made up by the sweeper from DescribeStacks/);
    const windows = (JSON.parse(original.stdout) as { windows: unknown[] }).windows;
    expect(again.windows).toEqual(windows);
  });

  it('says when nothing was kept in the range: exit status 1, nothing on stdout', async () => {
    // Act
    const run = await runCli(['export', '--db', db, '--from', '2020-01-01', '--to', '2020-01-02']);

    // Assess
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('exported 0 events of 0 stacks');
  });
});
