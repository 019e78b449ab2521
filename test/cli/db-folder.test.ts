/**
 * The read commands' `--db DIR` when DIR holds no store: a mistyped path must never read as
 * "nothing happened". Each command exits 2 with one line naming DIR, prints nothing on stdout,
 * and leaves the path as it found it.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedDynamoDb } from '../../shared/adapters/embedded-dynamodb.ts';
import { runCli } from './harness.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'cfn-watchdog-db-folder-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Every read command, reading DIR; `report` would write OUT. */
const readCommands = (dir: string, out: string): Record<string, string[]> => ({
  windows: ['windows', '--db', dir],
  status: ['status', '--db', dir],
  timeline: ['timeline', '--db', dir, '--service', 'trustsource-core'],
  report: ['report', '--db', dir, '--out', out],
});

const noStore = (dir: string): string => `cfn-watchdog: no store at ${dir} (replay --db ${dir} creates one)\n`;

/** A fresh folder for one case, so that what a command leaves behind shows. */
function caseFolder(name: string): string {
  const folder = path.join(scratch, name);
  mkdirSync(folder);
  return folder;
}

describe('read commands on a --db path that holds no store', () => {
  it.each(['windows', 'status', 'timeline', 'report'])('%s refuses a path that does not exist, and creates nothing there', async (command) => {
    // Prepare
    const folder = caseFolder(`missing-${command}`);
    const typo = path.join(folder, 'seed-dbb');
    const out = path.join(folder, 'report.html');

    // Act
    const run = await runCli(readCommands(typo, out)[command] ?? []);

    // Assess
    expect(run).toEqual({ status: 2, stdout: '', stderr: noStore(typo) });
    expect(existsSync(typo)).toBe(false);
    expect(readdirSync(folder)).toEqual([]);
  });

  it.each(['windows', 'status', 'timeline', 'report'])('%s says that a regular file is not a store folder, and leaves it as it was', async (command) => {
    // Prepare
    const folder = caseFolder(`file-${command}`);
    const file = path.join(folder, 'events.jsonl');
    writeFileSync(file, '{}\n');
    const out = path.join(folder, 'report.html');

    // Act
    const run = await runCli(readCommands(file, out)[command] ?? []);

    // Assess
    expect(run).toEqual({ status: 2, stdout: '', stderr: `cfn-watchdog: ${file} is a file, not a store folder\n` });
    expect(readdirSync(folder)).toEqual(['events.jsonl']);
  });

  it.each([
    ['an empty folder', []],
    ['a folder of other files', ['notes.txt']],
  ])('every read command refuses %s and writes nothing into it', async (_what, files) => {
    // Prepare
    const folder = caseFolder(`folder-${files.length}`);
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
    const folder = caseFolder('leveldb');
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
