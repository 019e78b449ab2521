/**
 * A replay that delivers no event (issue 15, item 4): never the all-clear of exit status 0 and
 * empty sections, but one line on stderr saying why, and exit status 1.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  freshFolder,
  lostEvent,
  parseOutput,
  removeWrittenEvents,
  ROOT,
  runBin,
  runCli,
  SEED,
  writeEvents,
} from './harness.ts';
import { stackEvent } from '../support/events.ts';

afterAll(removeWrittenEvents);

/** What `--format json` prints when nothing was replayed: still the contract's object, for scripts. */
const EMPTY_OUTPUT = {
  notifications: [],
  operations: [],
  windows: [],
  rejected: [],
  escalationEvents: [],
  windowEvents: [],
};

function fileHolding(name: string, text: string): string {
  const file = path.join(freshFolder(name), `${name}.jsonl`);
  writeFileSync(file, text);
  return file;
}

describe('a replay that delivers no event exits 1 and says why on stderr', () => {
  test('an empty file: the empty JSON object on stdout, "holds none" on stderr', async () => {
    // Prepare
    const file = fileHolding('empty', '');

    // Act
    const run = await runCli(['replay', file, '--format', 'json']);

    // Assess
    expect(run.status).toBe(1);
    expect(parseOutput(run.stdout)).toEqual(EMPTY_OUTPUT);
    expect(run.stderr).toBe(`cfn-watchdog: no events replayed (${file} holds none)\n`);
  });

  test(
    'a whitespace-only file as a table: nothing on stdout, no empty sections to mistake for an ' + 'all-clear',
    async () => {
      // Prepare
      const file = fileHolding('whitespace', ' \n\t\n\r\n  ');

      // Act
      const run = await runCli(['replay', file, '--format', 'table']);

      // Assess
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(`cfn-watchdog: no events replayed (${file} holds none)\n`);
    },
  );

  test('--until before the first event, through the real binary: names --until and the first event', async () => {
    // Prepare
    const seed = path.relative(ROOT, SEED);

    // Act
    const run = await runBin(['replay', seed, '--until', '2021-09-21T18:00:00Z', '--format', 'json']);

    // Assess
    expect(run.status).toBe(1);
    expect(parseOutput(run.stdout)).toEqual(EMPTY_OUTPUT);
    expect(run.stderr).toBe(
      `cfn-watchdog: no events replayed (${seed}: --until 2021-09-21T18:00:00Z is before the first event at ` +
        `2021-09-21T19:09:00Z)\n`,
    );
  });

  test('--until before the first event as a table: nothing on stdout', async () => {
    // Act
    const run = await runCli(['replay', SEED, '--until', '2021-09-21', '--format', 'table']);

    // Assess
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `cfn-watchdog: no events replayed (${SEED}: --until 2021-09-21T00:00:00Z is before the first event at ` +
        `2021-09-21T19:09:00Z)\n`,
    );
  });

  test('only events marked lost: none to deliver, said so', async () => {
    // Prepare
    const file = writeEvents('only-lost', [
      lostEvent(stackEvent({ name: 'gone' }, '2025-03-04T13:00:00Z', 'DELETE_COMPLETE')),
    ]);

    // Act
    const run = await runCli(['replay', file, '--format', 'json']);

    // Assess
    expect(run.status).toBe(1);
    expect(parseOutput(run.stdout)).toEqual(EMPTY_OUTPUT);
    expect(run.stderr).toBe(`cfn-watchdog: no events replayed (${file} holds none to deliver, only 1 lost event)\n`);
  });

  test('--until at the first event replays it: exit 0, nothing on stderr', async () => {
    // Act
    const run = await runCli(['replay', SEED, '--until', '2021-09-21T19:09:00Z', '--format', 'json']);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(parseOutput(run.stdout).operations).toHaveLength(1);
  });
});
