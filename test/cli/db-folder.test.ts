/**
 * The read commands' `--db DIR` when DIR holds no store: a mistyped path must never read as
 * "nothing happened". Each command exits 2 with one line naming DIR, prints nothing on stdout,
 * and leaves the path as it found it. A store another command holds is exit 3, in one line.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedDynamoDb } from '../../shared/adapters/embedded-dynamodb.ts';
import { freshFolder, removeWrittenEvents, runBin, runCli, SEED, SEED_RULE } from './harness.ts';

afterAll(removeWrittenEvents);

/** Every read command, reading DIR; `report` would write OUT. */
const readCommands = (dir: string, out: string): Record<string, string[]> => ({
  windows: ['windows', '--db', dir],
  status: ['status', '--db', dir],
  timeline: ['timeline', '--db', dir, '--service', 'trustsource-core'],
  report: ['report', '--db', dir, '--out', out],
});

const noStore = (dir: string): string => `cfn-watchdog: no store at ${dir} (replay --db ${dir} creates one)\n`;

describe('read commands on a --db path that holds no store', () => {
  it.each(['windows', 'status', 'timeline', 'report'])(
    '%s refuses a path that does not exist, and creates nothing there',
    async (command) => {
      // Prepare
      const folder = freshFolder(`missing-${command}`);
      const typo = path.join(folder, 'seed-dbb');
      const out = path.join(folder, 'report.html');

      // Act
      const run = await runCli(readCommands(typo, out)[command] ?? []);

      // Assess
      expect(run).toEqual({ status: 2, stdout: '', stderr: noStore(typo) });
      expect(existsSync(typo)).toBe(false);
      expect(readdirSync(folder)).toEqual([]);
    },
  );

  it.each(['windows', 'status', 'timeline', 'report'])(
    '%s says that a regular file is not a store folder, and leaves it as it was',
    async (command) => {
      // Prepare
      const folder = freshFolder(`file-${command}`);
      const file = path.join(folder, 'events.jsonl');
      writeFileSync(file, '{}\n');
      const out = path.join(folder, 'report.html');

      // Act
      const run = await runCli(readCommands(file, out)[command] ?? []);

      // Assess
      expect(run).toEqual({ status: 2, stdout: '', stderr: `cfn-watchdog: ${file} is a file, not a store folder\n` });
      expect(readdirSync(folder)).toEqual(['events.jsonl']);
    },
  );

  it.each([
    ['an empty folder', []],
    ['a folder of other files', ['notes.txt']],
  ])('every read command refuses %s and writes nothing into it', async (_what, files) => {
    // Prepare
    const folder = freshFolder(`folder-${files.length}`);
    const dir = path.join(folder, 'db');
    mkdirSync(dir);
    for (const file of files) writeFileSync(path.join(dir, file), 'not a store\n');
    const out = path.join(folder, 'report.html');

    for (const argv of Object.values(readCommands(dir, out))) {
      // Act
      const run = await runCli(argv);

      // Assess
      expect(run, argv.join(' ')).toEqual({ status: 2, stdout: '', stderr: noStore(dir) });
      expect(readdirSync(dir)).toEqual(files);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('every read command refuses a LevelDB without the watchdog table, and creates no table in it', async () => {
    // Prepare: what an earlier version's read command left at a mistyped path.
    const folder = freshFolder('leveldb');
    const dir = path.join(folder, 'db');
    await (await startEmbeddedDynamoDb({ path: dir })).close();
    const out = path.join(folder, 'report.html');

    for (const argv of Object.values(readCommands(dir, out))) {
      // Act
      const run = await runCli(argv);

      // Assess
      expect(run, argv.join(' ')).toEqual({ status: 2, stdout: '', stderr: noStore(dir) });
      expect(existsSync(out)).toBe(false);
    }
  });
});

describe('a store in use by another command', () => {
  it(
    'is named in one line with exit status 3, to the reader and to a replay, in another process and in ' + 'this one',
    async () => {
      // Prepare: a store, held open as a command running beside the others would hold it.
      const dir = path.join(freshFolder('in-use'), 'seed');
      expect(
        (await runCli(['replay', SEED, '--service-rule', SEED_RULE, '--db', dir, '--format', 'json'])).status,
      ).toBe(0);
      const inUse = {
        status: 3,
        stdout: '',
        stderr: `cfn-watchdog: the store in ${dir} is in use by another cfn-watchdog command; try again when it ends\n`,
      };
      const holder = await startEmbeddedDynamoDb({ path: dir, create: false });

      try {
        // Act
        const [reader, replay] = await Promise.all([
          runBin(['windows', '--db', dir, '--from', '2021-09-21', '--to', '2021-09-22']),
          runBin(['replay', SEED, '--service-rule', SEED_RULE, '--db', dir, '--format', 'json']),
        ]);
        const inProcess = await runCli(['status', '--db', dir]);

        // Assess
        expect(reader).toEqual(inUse);
        expect(replay).toEqual(inUse);
        expect(inProcess).toEqual(inUse);
      } finally {
        await holder.close();
      }
      // Assess: once the other command ends, the same command answers.
      const after = await runCli([
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
      expect(after.status, after.stderr).toBe(0);
      expect(after.stdout).toContain('2021-09-21T19:09:00Z,2021-09-21T20:07:00Z,closed');
    },
  );
});
