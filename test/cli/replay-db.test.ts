/**
 * `replay --db DIR` checks DIR before it replays anything: what cannot take a store is exit 2 with
 * one line and no output, and a replay that does not keep its store leaves DIR as it found it. A
 * store already there is added to only with `--append`, which goes on from it as if the input
 * had come in one piece.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EMBEDDED_TABLE, openReplayFolder } from '../../cli/store-folder.ts';
import { createDynamoDbTable } from '../../shared/adapters/item-table.ts';
import { startEmbeddedDynamoDb } from '../../shared/adapters/embedded-dynamodb.ts';
import { stackEvent } from '../support/events.ts';
import { freshFolder, removeWrittenEvents, runCli, SEED, SEED_RULE, writeEvents } from './harness.ts';

afterAll(removeWrittenEvents);

const replayInto = (dir: string, file = SEED): Promise<{ status: number; stdout: string; stderr: string }> =>
  runCli(['replay', file, '--service-rule', SEED_RULE, '--db', dir, '--format', 'json']);

describe('replay --db DIR checks DIR before replaying', () => {
  it('refuses a regular file with exit 2 and one line, leaving the file as it was', async () => {
    // Prepare
    const file = path.join(freshFolder('file'), 'afile');
    writeFileSync(file, 'notes\n');

    // Act
    const run = await replayInto(file);

    // Assess
    expect(run).toEqual({ status: 2, stdout: '', stderr: `cfn-watchdog: ${file} is a file, not a store folder\n` });
    expect(readFileSync(file, 'utf8')).toBe('notes\n');
  });

  it.each([
    {
      what: 'does not exist',
      parent: (folder: string) => path.join(folder, 'missing'),
      reason: 'its parent folder does not exist',
    },
    {
      what: 'is a file',
      parent: (folder: string) => {
        writeFileSync(path.join(folder, 'afile'), '');
        return path.join(folder, 'afile');
      },
      reason: 'its parent is not a folder',
    },
  ])('refuses a folder whose parent $what, creating nothing', async ({ what, parent, reason }) => {
    // Prepare
    const folder = freshFolder(`parent ${what}`);
    const dir = path.join(parent(folder), 'db');
    const before = readdirSync(folder);

    // Act
    const run = await replayInto(dir);

    // Assess
    expect(run).toEqual({
      status: 2,
      stdout: '',
      stderr: `cfn-watchdog: cannot create the store folder ${dir}: ${reason}\n`,
    });
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(folder)).toEqual(before);
  });

  it.skipIf(process.platform !== 'linux')(
    'refuses a folder whose parent it may not write in (sysfs refuses root too)',
    async () => {
      // Prepare
      const dir = '/sys/cfn-watchdog-test-db';

      // Act
      const run = await replayInto(dir);

      // Assess
      expect(run).toEqual({
        status: 2,
        stdout: '',
        stderr: `cfn-watchdog: cannot create the store folder ${dir}: permission denied\n`,
      });
      expect(existsSync(dir)).toBe(false);
    },
  );

  it('refuses a folder of other files, and writes nothing into it', async () => {
    // Prepare
    const dir = freshFolder('other');
    writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');

    // Act
    const run = await replayInto(dir);

    // Assess
    expect(run).toEqual({
      status: 2,
      stdout: '',
      stderr:
        `cfn-watchdog: ${dir} holds other files and no store: give replay --db a new or empty folder, or a ` +
        `store it kept\n`,
    });
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('removes the folder it created when the replay then fails, so that no empty store is left to read', async () => {
    // Prepare
    const folder = freshFolder('failed');
    const dir = path.join(folder, 'db');
    const missing = path.join(folder, 'no-such-events.jsonl');

    // Act
    const run = await replayInto(dir, missing);

    // Assess
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^cfn-watchdog: cannot read the events file: ENOENT[^\n]*no-such-events\.jsonl'\n$/);
    expect(existsSync(dir)).toBe(false);
  });

  it('keeps the store in an empty folder it was given, for the read commands', async () => {
    // Prepare
    const dir = freshFolder('empty');

    // Act
    const run = await replayInto(dir);

    // Assess
    expect(run.status, run.stderr).toBe(0);
    const windows = await runCli([
      'windows',
      '--db',
      dir,
      '--from',
      '2021-09-21',
      '--to',
      '2021-09-22',
      '--format',
      'csv',
    ]);
    expect(windows.stdout).toContain('2021-09-21T19:09:00Z,2021-09-21T20:07:00Z,closed');
  });
});

const SEED_DAY = ['--from', '2021-09-21', '--to', '2021-09-22', '--format', 'json'];
const seedEvents = readFileSync(SEED, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { time: string });

describe('replay --db DIR into a store already there', () => {
  it.each([
    { what: 'the same file again', file: () => SEED },
    {
      what: 'another history',
      file: () =>
        writeEvents('other-history', [
          stackEvent({ name: 'billing-prod' }, '2022-01-10T09:00:00Z', 'DELETE_IN_PROGRESS'),
        ]),
    },
  ])('refuses $what without --append, saying what the store holds, and leaves it as it was', async ({ file }) => {
    // Prepare
    const dir = path.join(freshFolder('refused'), 'seed');
    expect((await replayInto(dir)).status).toBe(0);
    const before = await runCli(['windows', '--db', dir, ...SEED_DAY]);

    // Act
    const run = await replayInto(dir, file());

    // Assess
    expect(run).toEqual({
      status: 2,
      stdout: '',
      stderr:
        `cfn-watchdog: ${dir} already holds a replayed store (3 stacks, 1 window, events ` +
        `2021-09-21T19:09:00Z–2021-09-21T20:07:00Z); ` +
        'give --append to add to it, or another --db\n',
    });
    expect(await runCli(['windows', '--db', dir, ...SEED_DAY])).toEqual(before);
  });

  it(
    'with --append, the seed replayed in two halves gives the windows, notifications and window events of the ' +
      'whole',
    async () => {
      // Prepare: the halves split at 19:30, between the WARNING at 19:29 and the failed creation at 19:34.
      const folder = freshFolder('append');
      const whole = path.join(folder, 'whole');
      const halves = path.join(folder, 'halves');
      const first = writeEvents(
        'seed-before-1930',
        seedEvents.filter((event) => event.time < '2021-09-21T19:30:00Z'),
      );
      const second = writeEvents(
        'seed-from-1930',
        seedEvents.filter((event) => event.time >= '2021-09-21T19:30:00Z'),
      );
      const wholeRun = await replayInto(whole);

      // Act
      const firstRun = await replayInto(halves, first);
      const secondRun = await runCli([
        'replay',
        second,
        '--service-rule',
        SEED_RULE,
        '--db',
        halves,
        '--append',
        '--format',
        'json',
      ]);

      // Assess
      expect([firstRun.status, secondRun.status, secondRun.stderr]).toEqual([0, 0, '']);
      const windows = await runCli(['windows', '--db', halves, ...SEED_DAY]);
      expect(windows.status).toBe(0);
      expect(windows.stdout).toBe((await runCli(['windows', '--db', whole, ...SEED_DAY])).stdout);
      const sent = (runs: readonly { stdout: string }[], field: 'notifications' | 'windowEvents'): unknown[] =>
        runs.flatMap((run) => (JSON.parse(run.stdout) as Record<typeof field, unknown[]>)[field]);
      expect(sent([firstRun, secondRun], 'notifications')).toEqual(sent([wholeRun], 'notifications'));
      expect(sent([firstRun, secondRun], 'windowEvents')).toEqual(sent([wholeRun], 'windowEvents'));
    },
  );

  it.each([
    {
      what: '--append without --db',
      argv: ['--append'],
      message: 'replay: --append adds to the store in --db DIR; give --db too',
    },
    {
      what: '--append with --simulate-cloudformation',
      argv: ['--db', 'DIR', '--append', '--simulate-cloudformation'],
      message:
        'replay: --simulate-cloudformation knows only the events of FILE, not those already in --db DIR: replay ' +
        'the whole history into a new --db instead of --append',
    },
  ])('refuses $what as a usage error, creating nothing', async ({ argv, message }) => {
    // Prepare
    const folder = freshFolder('append-usage');
    const dir = path.join(folder, 'db');

    // Act
    const run = await runCli(['replay', SEED, ...argv.map((arg) => (arg === 'DIR' ? dir : arg)), '--format', 'json']);

    // Assess
    expect(run).toEqual({ status: 2, stdout: '', stderr: `cfn-watchdog: ${message}\n` });
    expect(readdirSync(folder)).toEqual([]);
  });

  it("refuses --until before the store's last change, and leaves the store as it was", async () => {
    // Prepare
    const dir = path.join(freshFolder('until'), 'seed');
    expect((await replayInto(dir)).status).toBe(0);
    const before = await runCli(['windows', '--db', dir, ...SEED_DAY]);

    // Act
    const run = await runCli([
      'replay',
      SEED,
      '--service-rule',
      SEED_RULE,
      '--db',
      dir,
      '--append',
      '--until',
      '2021-09-21T19:00:00Z',
      '--format',
      'json',
    ]);

    // Assess
    expect(run).toEqual({
      status: 2,
      stdout: '',
      stderr:
        `cfn-watchdog: replay: --until 2021-09-21T19:00:00Z is before the last change to the store in ${dir} ` +
        `(2021-09-21T20:07:00Z); give a later one\n`,
    });
    expect(await runCli(['windows', '--db', dir, ...SEED_DAY])).toEqual(before);
  });
});

describe('openReplayFolder', () => {
  it('keeps exactly the replayed table: an item the replay removed does not come back', async () => {
    // Prepare
    const dir = path.join(freshFolder('keep'), 'seed');
    expect((await replayInto(dir)).status).toBe(0);
    const folder = await openReplayFolder(dir, { append: true });
    const [dropped, ...rest] = folder.items;

    // Act
    try {
      await folder.keep(rest);
    } finally {
      await folder.close();
    }

    // Assess
    const db = await startEmbeddedDynamoDb({ path: dir, create: false });
    try {
      const items = await createDynamoDbTable({ client: db.client(), tableName: EMBEDDED_TABLE }).scanAll();
      expect(items).toHaveLength(rest.length);
      expect(items).not.toContainEqual(dropped);
    } finally {
      await db.close();
    }
  });
});
