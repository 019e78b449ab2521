/**
 * `replay --db DIR` checks DIR before it replays anything: what cannot take a store is exit 2 with
 * one line and no output, and a replay that does not keep its store leaves DIR as it found it.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshFolder, removeWrittenEvents, runCli, SEED, SEED_RULE } from './harness.ts';

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
    { what: 'does not exist', parent: (folder: string) => path.join(folder, 'missing'), reason: 'its parent folder does not exist' },
    { what: 'is a file', parent: (folder: string) => (writeFileSync(path.join(folder, 'afile'), ''), path.join(folder, 'afile')), reason: 'its parent is not a folder' },
  ])('refuses a folder whose parent $what, creating nothing', async ({ what, parent, reason }) => {
    // Prepare
    const folder = freshFolder(`parent ${what}`);
    const dir = path.join(parent(folder), 'db');
    const before = readdirSync(folder);

    // Act
    const run = await replayInto(dir);

    // Assess
    expect(run).toEqual({ status: 2, stdout: '', stderr: `cfn-watchdog: cannot create the store folder ${dir}: ${reason}\n` });
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(folder)).toEqual(before);
  });

  it.skipIf(process.platform !== 'linux')('refuses a folder whose parent it may not write in (sysfs refuses root too)', async () => {
    // Prepare
    const dir = '/sys/cfn-watchdog-test-db';

    // Act
    const run = await replayInto(dir);

    // Assess
    expect(run).toEqual({ status: 2, stdout: '', stderr: `cfn-watchdog: cannot create the store folder ${dir}: permission denied\n` });
    expect(existsSync(dir)).toBe(false);
  });

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
      stderr: `cfn-watchdog: ${dir} holds other files and no store: give replay --db a new or empty folder, or a store it kept\n`,
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
    const windows = await runCli(['windows', '--db', dir, '--from', '2021-09-21', '--to', '2021-09-22', '--format', 'csv']);
    expect(windows.stdout).toContain('2021-09-21T19:09:00Z,2021-09-21T20:07:00Z,closed');
  });
});
