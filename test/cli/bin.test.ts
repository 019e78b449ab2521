/**
 * `cfn-watchdog` as installed: the real `cli/bin.js` in a child process.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from './harness.ts';

const packageVersion = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function bin(argv: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['cli/bin.js', ...argv], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('cfn-watchdog --version', () => {
  test.each([['--version'], ['-V']])('%s prints package.json\'s version, one line, exit 0', (flag) => {
    expect(bin([flag])).toEqual({ status: 0, stdout: `${packageVersion}\n`, stderr: '' });
  });
});
