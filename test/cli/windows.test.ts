/**
 * `cfn-watchdog windows`: what a postmortem asks after the seed incident, answered from the store
 * `replay --db` left behind; formats, zones, filters and errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayStartIn, zonedFormatter } from '../../cli/zoned-time.ts';
import { stackEvent } from '../support/events.ts';
import { expectOneLine, removeWrittenEvents, runBin, runCli, SEED, SEED_RULE, writeEvents } from './harness.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'cfn-watchdog-windows-'));
const seedDb = path.join(scratch, 'seed');
const winterDb = path.join(scratch, 'winter');
const SEED_DAY = ['--from', '2021-09-21', '--to', '2021-09-22'];

const seedWindow = {
  start: '2021-09-21T19:09:00Z',
  end: '2021-09-21T20:07:00Z',
  open: false,
  durationSeconds: 3480,
  service: 'trustsource-core',
  account: '123456789012',
  region: 'eu-central-1',
  peakSeverity: 'FAILED',
  stacks: ['trustsource-core-prod', 'trustsource-scan-prod', 'trustsource-scan-v2-prod'],
};

beforeAll(async () => {
  const replayed = await runCli(['replay', SEED, '--service-rule', SEED_RULE, '--db', seedDb, '--format', 'json']);
  expect(replayed.status).toBe(0);
  // January: a deletion stuck from 09:00 UTC, still running at the end of the replay; and a second
  // service in another account whose window closed.
  const stuck = { name: 'billing-prod', account: '210987654321', region: 'eu-west-1' };
  const quick = { name: 'search-prod', account: '123456789012', region: 'eu-west-1' };
  const file = writeEvents('winter', [
    stackEvent(stuck, '2022-01-10T09:00:00Z', 'DELETE_IN_PROGRESS', 'User Initiated'),
    stackEvent(quick, '2022-01-10T09:05:00Z', 'UPDATE_IN_PROGRESS', 'User Initiated'),
    stackEvent(quick, '2022-01-10T09:35:00Z', 'UPDATE_COMPLETE'),
  ]);
  const winter = await runCli([
    'replay',
    file,
    '--db',
    winterDb,
    '--until',
    '2022-01-10T10:00:00Z',
    '--format',
    'json',
  ]);
  expect(winter.status).toBe(0);
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  removeWrittenEvents();
});

describe('cfn-watchdog windows', () => {
  it('answers from what replay --db kept: the one seed window, 19:09–20:07', async () => {
    // Act
    const run = await runCli(['windows', '--db', seedDb, ...SEED_DAY, '--format', 'json']);

    // Assess
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([seedWindow]);
  });

  it('writes RFC 4180 CSV with a header that a CSV library reads back to the same values', async () => {
    // Act
    const run = await runCli(['windows', '--db', seedDb, ...SEED_DAY, '--format', 'csv']);

    // Assess
    expect(run.stdout.split('\r\n')[0]).toBe(
      'start,end,open,durationSeconds,service,account,region,peakSeverity,stacks',
    );
    const rows = parse(run.stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      {
        start: seedWindow.start,
        end: seedWindow.end,
        open: 'closed',
        durationSeconds: '3480',
        service: 'trustsource-core',
        account: '123456789012',
        region: 'eu-central-1',
        peakSeverity: 'FAILED',
        stacks: 'trustsource-core-prod trustsource-scan-prod trustsource-scan-v2-prod',
      },
    ]);
  });

  it.each([
    ['a September window (summer time)', seedDb, SEED_DAY, ['2021-09-21T21:09:00+02:00']],
    [
      'a January window (winter time)',
      winterDb,
      ['--from', '2022-01-10', '--to', '2022-01-11'],
      ['2022-01-10T10:00:00+01:00', '2022-01-10T10:05:00+01:00'],
    ],
  ])('prints %s in Europe/Berlin with the offset it had', async (_what, db, range, starts) => {
    const run = await runCli(['windows', '--db', db, ...range, '--tz', 'Europe/Berlin', '--format', 'json']);
    expect((JSON.parse(run.stdout) as { start: string }[]).map((window) => window.start)).toEqual(starts);
  });

  it(
    "takes a bare date as the day in --tz: Tokyo's 22 September began at 15:00 UTC on the 21st, before the seed " +
      'window',
    async () => {
      // Act: the real binary, as an on-call engineer in Tokyo runs it.
      const tokyo = await runBin([
        'windows',
        '--db',
        seedDb,
        '--from',
        '2021-09-22',
        '--to',
        '2021-09-23',
        '--tz',
        'Asia/Tokyo',
        '--format',
        'json',
      ]);
      const utc = await runCli([
        'windows',
        '--db',
        seedDb,
        '--from',
        '2021-09-22',
        '--to',
        '2021-09-23',
        '--format',
        'json',
      ]);

      // Assess
      expect([tokyo.status, tokyo.stderr]).toEqual([0, '']);
      expect(JSON.parse(tokyo.stdout)).toEqual([
        { ...seedWindow, start: '2021-09-22T04:09:00+09:00', end: '2021-09-22T05:07:00+09:00' },
      ]);
      expect([utc.status, utc.stdout, utc.stderr]).toEqual([0, '[]\n', '']);
    },
  );

  it(
    'begins and ends a day in --tz with the offset the zone had then: 31 October in Berlin is 25 hours ' + 'long',
    async () => {
      // Act
      const run = await runCli([
        'windows',
        '--db',
        seedDb,
        '--from',
        '2021-10-31',
        '--to',
        '2021-11-01',
        '--tz',
        'Europe/Berlin',
        '--format',
        'table',
      ]);

      // Assess
      expect(run).toEqual({
        status: 0,
        stdout: 'Impact windows overlapping 2021-10-31T00:00:00+02:00 to 2021-11-01T00:00:00+01:00: 0\n',
        stderr: '',
      });
    },
  );

  it('keeps a full ISO time with Z or an offset as given, whatever --tz', async () => {
    // Act
    const run = await runCli([
      'windows',
      '--db',
      seedDb,
      '--from',
      '2021-09-22T00:00:00Z',
      '--to',
      '2021-09-23T00:00:00+09:00',
      '--tz',
      'Asia/Tokyo',
      '--format',
      'table',
    ]);

    // Assess
    expect(run).toEqual({
      status: 0,
      stdout: 'Impact windows overlapping 2021-09-22T09:00:00+09:00 to 2021-09-23T00:00:00+09:00: 0\n',
      stderr: '',
    });
  });

  it("ends the range at the store's last change by default, and says so after --to", async () => {
    // Act: replayed to 10:00, when a sweep last changed a state.
    const run = await runCli(['windows', '--db', winterDb, '--format', 'table'], '2026-12-05T12:00:00Z');

    // Assess
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(run.stdout.split('\n')[0]).toBe(
      "Impact windows overlapping 2022-01-03T10:00:00Z to 2022-01-10T10:00:00Z (the store's last change; --as-of " +
        'to change): 2',
    );
  });

  it("counts an open window's duration to --as-of, and ends the default range there", async () => {
    // Act
    const run = await runCli([
      'windows',
      '--db',
      winterDb,
      '--open',
      '--as-of',
      '2022-01-10T11:00:00Z',
      '--format',
      'json',
    ]);

    // Assess
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(
      (JSON.parse(run.stdout) as { service: string; durationSeconds: number }[]).map((w) => [
        w.service,
        w.durationSeconds,
      ]),
    ).toEqual([['billing-prod', 7200]]);
  });

  it.each([
    ['a stack the window names, by name', 'trustsource-scan-prod', [seedWindow]],
    [
      'a stack the window names, by ARN',
      'arn:aws:cloudformation:eu-central-1:123456789012:stack/trustsource-core-prod/0',
      [seedWindow],
    ],
    [
      'a stack of that name in another account, by ARN',
      'arn:aws:cloudformation:eu-central-1:210987654321:stack/trustsource-core-prod/0',
      [],
    ],
    ['a stack no window names', 'trustsource-search-prod', []],
  ])('lists with --stack only the windows naming the watched stack: %s', async (_what, stack, expected) => {
    // Act
    const run = await runCli(['windows', '--db', seedDb, '--stack', stack, ...SEED_DAY, '--format', 'json']);

    // Assess
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(JSON.parse(run.stdout)).toEqual(expected);
  });

  it('says plainly that a window is still open, and --open lists only those', async () => {
    // Act
    const all = await runCli([
      'windows',
      '--db',
      winterDb,
      '--from',
      '2022-01-10',
      '--to',
      '2022-01-11',
      '--format',
      'json',
    ]);
    const open = await runCli([
      'windows',
      '--db',
      winterDb,
      '--from',
      '2022-01-10',
      '--to',
      '2022-01-11',
      '--open',
      '--format',
      'json',
    ]);
    const table = await runCli([
      'windows',
      '--db',
      winterDb,
      '--from',
      '2022-01-10',
      '--to',
      '2022-01-11',
      '--open',
      '--format',
      'table',
    ]);

    // Assess
    expect((JSON.parse(all.stdout) as { service: string; open: boolean }[]).map((w) => [w.service, w.open])).toEqual([
      ['billing-prod', true],
      ['search-prod', false],
    ]);
    expect(JSON.parse(open.stdout)).toEqual([
      expect.objectContaining({ service: 'billing-prod', end: null, open: true }),
    ]);
    expect(table.stdout).toContain('STILL OPEN');
  });

  it.each([
    [['--service', 'search-prod'], ['search-prod']],
    [['--account', '210987654321'], ['billing-prod']],
    [['--region', 'eu-central-1'], []],
  ])('filters by %j', async (filter, services) => {
    const run = await runCli([
      'windows',
      '--db',
      winterDb,
      '--from',
      '2022-01-10',
      '--to',
      '2022-01-11',
      ...filter,
      '--format',
      'json',
    ]);
    expect((JSON.parse(run.stdout) as { service: string }[]).map((w) => w.service)).toEqual(services);
  });

  it('leaves out windows that ended before --from', async () => {
    const run = await runCli([
      'windows',
      '--db',
      winterDb,
      '--from',
      '2022-01-10T09:36:00Z',
      '--to',
      '2022-01-11',
      '--format',
      'json',
    ]);
    expect((JSON.parse(run.stdout) as { service: string }[]).map((w) => w.service)).toEqual(['billing-prod']);
  });

  it.each([
    [['windows', '--from', '2021-09-21'], 'say where the data is'],
    [['windows', '--db', 'x', '--endpoint', 'http://127.0.0.1:9'], 'say where the data is'],
    [['windows', '--db', 'x', '--tz', 'Mars/Olympus'], "--tz: 'Mars/Olympus' is not a time zone"],
    [['windows', '--db', 'x', '--from', 'yesterday'], '--from: expected an ISO-8601 time'],
    [['windows', '--db', 'x', '--format', 'xml'], "argument 'xml' is invalid"],
  ])('exits 2 with one line for %j', async (argv, message) => {
    const run = await runCli(argv);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(message);
  });
});

describe('zonedFormatter', () => {
  it.each([
    [undefined, '2021-09-21T19:09:00Z', '2021-09-21T19:09:00Z'],
    ['UTC', '2021-09-21T19:09:00Z', '2021-09-21T19:09:00+00:00'],
    ['Europe/Berlin', '2021-09-21T19:09:00Z', '2021-09-21T21:09:00+02:00'],
    ['Europe/Berlin', '2021-10-31T00:30:00Z', '2021-10-31T02:30:00+02:00'],
    ['Europe/Berlin', '2021-10-31T01:30:00Z', '2021-10-31T02:30:00+01:00'],
    ['America/New_York', '2022-01-10T09:00:00Z', '2022-01-10T04:00:00-05:00'],
    ['Asia/Kolkata', '2022-01-10T09:00:00Z', '2022-01-10T14:30:00+05:30'],
  ])('prints an instant in %s with its real offset', (zone, instant, expected) => {
    expect(zonedFormatter(zone)(Date.parse(instant))).toBe(expected);
  });
});

describe('dayStartIn', () => {
  it.each([
    [undefined, '2021-09-21', '2021-09-21T00:00:00Z'],
    ['Europe/Berlin', '2021-09-21', '2021-09-20T22:00:00Z'],
    ['Europe/Berlin', '2022-01-10', '2022-01-09T23:00:00Z'],
    ['Asia/Kolkata', '2022-01-10', '2022-01-09T18:30:00Z'],
    // The clocks went from 00:00 straight to 01:00 there: the day began when they jumped.
    ['America/Santiago', '2022-09-11', '2022-09-11T04:00:00Z'],
    // The clocks went back from 24:00 to 23:00 the day before: this midnight came once.
    ['America/Santiago', '2022-04-03', '2022-04-03T04:00:00Z'],
  ])('begins a day in %s at its first instant there: %s at %s', (zone, day, expected) => {
    expect(new Date(dayStartIn(zone)(Date.parse(`${day}T00:00:00Z`))).toISOString().replace('.000Z', 'Z')).toBe(
      expected,
    );
  });
});
