/**
 * Usage errors (DESIGN.md, replay contract): exit status 2, one line on stderr, nothing on stdout.
 */
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { expectOneLine, FIXTURES, runCli, SEED } from './harness.ts';

describe('usage errors exit 2 with one line on stderr and nothing on stdout', () => {
  test.each([
    {
      what: 'missing file',
      argv: ['replay', path.join(FIXTURES, 'no-such-file.jsonl'), '--format', 'json'],
      names: 'no-such-file.jsonl',
    },
    { what: 'unreadable path (a directory)', argv: ['replay', FIXTURES, '--format', 'json'], names: null },
    { what: 'no file argument', argv: ['replay', '--format', 'json'], names: 'file' },
    {
      what: 'bad --thresholds (unknown type)',
      argv: ['replay', SEED, '--thresholds', 'UPDATE=30m/60m,DELTE=20m/40m', '--format', 'json'],
      names: 'DELTE',
    },
    {
      what: 'bad --thresholds (bad duration)',
      argv: ['replay', SEED, '--thresholds', 'UPDATE=30x/60m', '--format', 'json'],
      names: '30x',
    },
    {
      what: 'bad --thresholds (no critical)',
      argv: ['replay', SEED, '--thresholds', 'DELETE=20m', '--format', 'json'],
      names: 'DELETE=20m',
    },
    {
      what: 'bad --service-rule regex',
      argv: ['replay', SEED, '--service-rule', 'core=^core-(', '--format', 'json'],
      names: null,
    },
    {
      what: 'bad --service-rule (no SERVICE=)',
      argv: ['replay', SEED, '--service-rule', '^core-', '--format', 'json'],
      names: null,
    },
    {
      what: 'bad --allowed-service-tags (no ACCOUNT=)',
      argv: ['replay', SEED, '--allowed-service-tags', 'payments', '--format', 'json'],
      names: "'payments'",
    },
    {
      what: 'bad --allowed-service-tags regex',
      argv: ['replay', SEED, '--allowed-service-tags', '*=core-(', '--format', 'json'],
      names: "'core-('",
    },
    { what: 'bad --until', argv: ['replay', SEED, '--until', 'yesterday', '--format', 'json'], names: 'yesterday' },
    { what: 'bad --grace', argv: ['replay', SEED, '--grace', '1 hour', '--format', 'json'], names: '1 hour' },
    { what: 'unknown --format value', argv: ['replay', SEED, '--format', 'xml'], names: 'xml' },
    { what: 'unknown option', argv: ['replay', SEED, '--frobnicate', '--format', 'json'], names: '--frobnicate' },
  ])('$what', async ({ argv, names }) => {
    const run = await runCli(argv);
    expect(run.status, run.stderr).toBe(2);
    expect(run.stdout).toBe('');
    expectOneLine(run.stderr);
    if (names !== null) expect(run.stderr).toContain(names);
  });
});
