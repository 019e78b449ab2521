/**
 * The exit status follows the error's base (shared/errors.ts), not a list of classes: a
 * UserInputError exits 2 with its message, a WatchdogError 3 with its name.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/main.ts';
import { expectOneLine, runCli, SEED } from './harness.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'cfn-watchdog-exit-codes-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('a UserInputError from any parse function exits 2 with its message as the one line on stderr', () => {
  it.each([
    {
      error: 'TimeZoneError',
      argv: ['windows', '--db', path.join(scratch, 'never'), '--tz', 'Mars/Olympus'],
      message: "--tz: 'Mars/Olympus' is not a time zone (expected an IANA name such as Europe/Berlin or UTC)",
    },
    {
      error: 'MuteRuleError',
      argv: ['replay', SEED, '--mute', '(', '--format', 'json'],
      message: "mute '(' is not a valid regular expression",
    },
    {
      error: 'DataSourceError',
      argv: ['windows', '--endpoint', 'ftp://localhost'],
      message: "--endpoint: expected an http(s) URL such as http://localhost:8000, got 'ftp://localhost'",
    },
  ])('$error', async ({ argv, message }) => {
    // Act
    const run = await runCli(argv);

    // Assess
    expect(run.status, run.stderr).toBe(ExitCode.USAGE);
    expect(run.stdout).toBe('');
    expectOneLine(run.stderr);
    expect(run.stderr).toBe(`cfn-watchdog: ${message}\n`);
  });
});

describe('a WatchdogError is no usage error', () => {
  it('exits 3 naming the error when the store in --db is damaged', async () => {
    // Prepare: a LevelDB whose CURRENT names a manifest that is not there
    const damaged = path.join(scratch, 'damaged');
    mkdirSync(damaged);
    writeFileSync(path.join(damaged, 'CURRENT'), 'MANIFEST-000009\n');

    // Act
    const run = await runCli(['status', '--db', damaged]);

    // Assess
    expect(run.status, run.stderr).toBe(ExitCode.FAILURE);
    expect(run.stdout).toBe('');
    expectOneLine(run.stderr);
    expect(run.stderr).toMatch(/^cfn-watchdog: failed: EmbeddedDbOpenError: cannot open the LevelDB at /);
  });
});
