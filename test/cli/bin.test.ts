/**
 * `cfn-watchdog` as installed: the real `cli/bin.js` in a child process, running the bundle
 * `npm install` builds (dist/cli.mjs) or, when that may be stale, the sources through tsx.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildCli } from '../../scripts/build-cli.ts';
import { freshFolder, removeWrittenEvents, ROOT, SEED, SEED_RULE } from './harness.ts';

afterAll(removeWrittenEvents);

const packageVersion = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node BIN ARGV` with vitest's CFN_WATCHDOG_DEV removed (the bundle may run), plus ENV. */
function bin(
  argv: readonly string[],
  { env = {}, file = path.join(ROOT, 'cli/bin.js') }: { env?: Record<string, string>; file?: string } = {},
): Run {
  const { CFN_WATCHDOG_DEV: _sources, ...inherited } = process.env;
  const run = spawnSync(process.execPath, [file, ...argv], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...inherited, NODE_OPTIONS: '', ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('the bundle, as prepare builds it', () => {
  // Built here too, from the sources checked out, so that a clone installed with
  // --ignore-scripts, or sources edited since `npm install`, test what is there.
  beforeAll(async () => {
    await buildCli();
  }, 120_000);

  test("--version prints package.json's version, one line, exit 0, from the bundle and from the sources", () => {
    const expected = { status: 0, stdout: `${packageVersion}\n`, stderr: '' };
    expect(bin(['--version'])).toEqual(expected);
    expect(bin(['-V'])).toEqual(expected);
    expect(bin(['--version'], { env: { CFN_WATCHDOG_DEV: '1' } })).toEqual(expected);
  });

  test('replays the seed incident into --db, and windows --db reads its window back', () => {
    // dynalite stays outside the bundle (LevelDB's native binding): this is what finds it.
    const dir = path.join(freshFolder('bundle-db'), 'db');
    const replayed = bin(['replay', SEED, '--service-rule', SEED_RULE, '--db', dir, '--format', 'json']);
    expect(replayed.status, replayed.stderr).toBe(0);
    expect((JSON.parse(replayed.stdout) as { windows: unknown[] }).windows).toHaveLength(1);

    const windows = bin(['windows', '--db', dir, '--from', '2021-09-21', '--to', '2021-09-22', '--format', 'csv']);

    expect(windows.stderr).toBe('');
    expect(windows.status).toBe(0);
    expect(windows.stdout).toContain('2021-09-21T19:09:00Z,2021-09-21T20:07:00Z');
  }, 60_000);
});

describe('cli/bin.js runs the bundle only when it is newer than every file it was built from', () => {
  // A copy of bin.js beside a stand-in bundle and stand-in sources, each naming itself.
  let root = '';
  let copy = '';
  const BUILT = new Date('2021-09-21T20:00:00Z');
  const touch = (file: string, at: Date): void => utimesSync(path.join(root, file), at, at);

  beforeAll(() => {
    root = freshFolder('bin-choice');
    copy = path.join(root, 'cli/bin.js');
    mkdirSync(path.join(root, 'cli'));
    mkdirSync(path.join(root, 'dist'));
    copyFileSync(path.join(ROOT, 'cli/bin.js'), copy);
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
    // tsx, for the sources.
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
    writeFileSync(
      path.join(root, 'cli/main.ts'),
      'export async function main(_argv: string[], io: { stdout: (text: string) => void }): Promise<number> { ' +
        "io.stdout('sources'); return 0; }\n",
    );
    writeFileSync(
      path.join(root, 'dist/cli.mjs'),
      "export async function main(_argv, io) { io.stdout('bundle'); return 0; }\n",
    );
    writeFileSync(path.join(root, 'dist/cli-inputs.json'), JSON.stringify(['cli/main.ts']));
  });

  const chosen = (env: Record<string, string> = {}): string => {
    const run = bin([], { file: copy, env });
    expect(run.stderr).toBe('');
    return run.stdout.trim();
  };

  test('the bundle when it is newer', () => {
    touch('cli/main.ts', new Date(BUILT.getTime() - 60_000));
    touch('dist/cli.mjs', BUILT);
    expect(chosen()).toBe('bundle');
    // Unless a developer asks for the sources.
    expect(chosen({ CFN_WATCHDOG_DEV: '1' })).toBe('sources');
  });

  test('the sources when one was changed since the build', () => {
    touch('cli/main.ts', new Date(BUILT.getTime() + 1_000));
    touch('dist/cli.mjs', BUILT);
    expect(chosen()).toBe('sources');
  });

  test('the sources when there is no bundle, or no list of what it was built from', () => {
    touch('cli/main.ts', new Date(BUILT.getTime() - 60_000));
    rmSync(path.join(root, 'dist/cli-inputs.json'));
    expect(chosen()).toBe('sources');
    rmSync(path.join(root, 'dist/cli.mjs'));
    expect(chosen()).toBe('sources');
  });
});
