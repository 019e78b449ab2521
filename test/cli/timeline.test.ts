/**
 * `cfn-watchdog timeline`: one stack's or one service's status history (access pattern 4), from
 * the store `replay --db` left behind; by name (also a name several stacks had), by ARN, zones,
 * formats and errors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackArn, stackEvent } from '../support/events.ts';
import { expectOneLine, removeWrittenEvents, runCli, SEED, SEED_RULE, writeEvents } from './harness.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'cfn-watchdog-timeline-'));
const seedDb = path.join(scratch, 'seed');
const reusedDb = path.join(scratch, 'reused');
const SEED_DAY = ['--from', '2021-09-21', '--to', '2021-09-22'];
const seedLines = readFileSync(SEED, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { time: string; detail: { 'stack-id': string } });

interface Row {
  time: string;
  stackName: string;
  stackId: string;
  service: string | null;
  kind: string;
  logicalResourceId: string | null;
  status: string;
}

const first = { name: 'reports', uuid: '11111111-1b12-11ec-b0a7-06d21c93e4f7' };
const second = { name: 'reports', uuid: '22222222-1b12-11ec-b0a7-06d21c93e4f7' };

beforeAll(async () => {
  const replayed = await runCli(['replay', SEED, '--service-rule', SEED_RULE, '--db', seedDb, '--format', 'json']);
  expect(replayed.status).toBe(0);
  // A stack deleted and created again under the same name: two stacks, one name.
  const file = writeEvents('reused', [
    stackEvent(first, '2022-01-10T09:00:00Z', 'DELETE_IN_PROGRESS', 'User Initiated'),
    stackEvent(first, '2022-01-10T09:02:00Z', 'DELETE_COMPLETE'),
    stackEvent(second, '2022-01-10T09:05:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
    stackEvent(second, '2022-01-10T09:07:00Z', 'CREATE_COMPLETE'),
  ]);
  expect((await runCli(['replay', file, '--db', reusedDb, '--format', 'json'])).status).toBe(0);
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  removeWrittenEvents();
});

describe('cfn-watchdog timeline', () => {
  it("lists every event of the seed's service, all three stacks, in time order", async () => {
    // Act
    const run = await runCli([
      'timeline',
      '--db',
      seedDb,
      '--service',
      'trustsource-core',
      ...SEED_DAY,
      '--format',
      'json',
    ]);

    // Assess
    expect(run.status).toBe(0);
    const rows = JSON.parse(run.stdout) as Row[];
    expect(rows).toHaveLength(seedLines.length);
    expect(rows.map((row) => row.time)).toEqual(seedLines.map((line) => line.time.replace(/\.\d+Z$/, 'Z')).sort());
    expect([...new Set(rows.map((row) => row.stackName))]).toEqual([
      'trustsource-core-prod',
      'trustsource-scan-prod',
      'trustsource-scan-v2-prod',
    ]);
    expect(new Set(rows.map((row) => row.service))).toEqual(new Set(['trustsource-core']));
  });

  it("shows one stack's status changes and the resources that held it, from the deletion to its end", async () => {
    // Act
    const run = await runCli([
      'timeline',
      '--db',
      seedDb,
      '--stack',
      'trustsource-core-prod',
      ...SEED_DAY,
      '--format',
      'json',
    ]);

    // Assess
    const rows = JSON.parse(run.stdout) as Row[];
    const stackStatuses = rows.filter((row) => row.kind === 'stack').map((row) => [row.time, row.status]);
    expect(stackStatuses).toEqual([
      ['2021-09-21T19:09:00Z', 'DELETE_IN_PROGRESS'],
      ['2021-09-21T19:56:30Z', 'DELETE_COMPLETE'],
    ]);
    expect(rows.some((row) => row.kind === 'resource' && row.logicalResourceId === 'ScanAnalysisFunction')).toBe(true);
    expect(new Set(rows.map((row) => row.stackName))).toEqual(new Set(['trustsource-core-prod']));
  });

  it.each(['trustsource-core-prod', 'trustsource-scan-prod', 'trustsource-scan-v2-prod'])(
    'gives %s the service that --service gives it',
    async (stackName) => {
      // Act
      const byStack = await runCli(['timeline', '--db', seedDb, '--stack', stackName, ...SEED_DAY, '--format', 'json']);
      const byService = await runCli([
        'timeline',
        '--db',
        seedDb,
        '--service',
        'trustsource-core',
        ...SEED_DAY,
        '--format',
        'json',
      ]);

      // Assess
      expect([byStack.status, byStack.stderr]).toEqual([0, '']);
      const ofStack = (JSON.parse(byService.stdout) as Row[]).filter((row) => row.stackName === stackName);
      expect(ofStack.length).toBeGreaterThan(0);
      expect(JSON.parse(byStack.stdout)).toEqual(ofStack);
      expect(new Set(ofStack.map((row) => row.service))).toEqual(new Set(['trustsource-core']));
    },
  );

  it('gives a stack outside any window and named by no rule its own name as service, as --service does', async () => {
    // Act
    const byStack = await runCli([
      'timeline',
      '--db',
      reusedDb,
      '--stack',
      'reports',
      '--from',
      '2022-01-10',
      '--to',
      '2022-01-11',
      '--format',
      'json',
    ]);
    const byService = await runCli([
      'timeline',
      '--db',
      reusedDb,
      '--service',
      'reports',
      '--from',
      '2022-01-10',
      '--to',
      '2022-01-11',
      '--format',
      'json',
    ]);

    // Assess
    expect(byStack.status).toBe(0);
    expect(JSON.parse(byStack.stdout)).toEqual(JSON.parse(byService.stdout));
    expect(new Set((JSON.parse(byStack.stdout) as Row[]).map((row) => row.service))).toEqual(new Set(['reports']));
  });

  it("takes the stack's ARN as well as its name", async () => {
    // Prepare
    const arn =
      seedLines.find((line) => line.detail['stack-id'].includes('/trustsource-scan-v2-prod/'))?.detail['stack-id'] ??
      '';

    // Act
    const run = await runCli(['timeline', '--db', seedDb, '--stack', arn, ...SEED_DAY, '--format', 'json']);

    // Assess
    const rows = JSON.parse(run.stdout) as Row[];
    expect(rows.filter((row) => row.kind === 'stack').map((row) => row.status)).toEqual([
      'CREATE_IN_PROGRESS',
      'CREATE_COMPLETE',
    ]);
    expect(new Set(rows.map((row) => row.stackId))).toEqual(new Set([arn]));
  });

  it('keeps only the events in --from/--to, both ends included', async () => {
    // Act
    const run = await runCli([
      'timeline',
      '--db',
      seedDb,
      '--stack',
      'trustsource-core-prod',
      '--from',
      '2021-09-21T19:56:30Z',
      '--to',
      '2021-09-21T20:00:00Z',
      '--format',
      'json',
    ]);

    // Assess
    expect((JSON.parse(run.stdout) as Row[]).filter((row) => row.kind === 'stack').map((row) => row.status)).toEqual([
      'DELETE_COMPLETE',
    ]);
  });

  it('returns both stacks that had one name, and tells them apart in the table by their ids', async () => {
    // Act
    const json = await runCli([
      'timeline',
      '--db',
      reusedDb,
      '--stack',
      'reports',
      '--from',
      '2022-01-10',
      '--to',
      '2022-01-11',
      '--format',
      'json',
    ]);
    const table = await runCli([
      'timeline',
      '--db',
      reusedDb,
      '--stack',
      'reports',
      '--from',
      '2022-01-10',
      '--to',
      '2022-01-11',
      '--format',
      'table',
    ]);

    // Assess
    expect((JSON.parse(json.stdout) as Row[]).map((row) => [row.stackId, row.status])).toEqual([
      [stackArn(first), 'DELETE_IN_PROGRESS'],
      [stackArn(first), 'DELETE_COMPLETE'],
      [stackArn(second), 'CREATE_IN_PROGRESS'],
      [stackArn(second), 'CREATE_COMPLETE'],
    ]);
    expect(table.stdout).toContain('reports (11111111)');
    expect(table.stdout).toContain('reports (22222222)');
  });

  it("ends the range at the store's last change by default, and says so in the table's heading", async () => {
    // Act
    const run = await runCli(
      ['timeline', '--db', seedDb, '--stack', 'trustsource-core-prod', '--format', 'table'],
      '2026-12-05T12:00:00Z',
    );

    // Assess
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(run.stdout.split('\n')[0]).toMatch(
      new RegExp(
        "^Timeline of stack 'trustsource-core-prod', 2021-09-14T20:07:00Z to 2021-09-21T20:07:00Z " +
          String.raw`\(the store's last change; --as-of to change\): \d+ events$`,
      ),
    );
  });

  it("prints times in --tz with the zone's offset", async () => {
    // Act
    const run = await runCli([
      'timeline',
      '--db',
      seedDb,
      '--stack',
      'trustsource-core-prod',
      ...SEED_DAY,
      '--tz',
      'Europe/Berlin',
      '--format',
      'json',
    ]);

    // Assess
    expect((JSON.parse(run.stdout) as Row[])[0]?.time).toBe('2021-09-21T21:09:00+02:00');
  });

  it('writes RFC 4180 CSV with a header that a CSV library reads back to the JSON rows', async () => {
    // Act
    const csv = await runCli([
      'timeline',
      '--db',
      seedDb,
      '--stack',
      'trustsource-scan-prod',
      ...SEED_DAY,
      '--format',
      'csv',
    ]);
    const json = await runCli([
      'timeline',
      '--db',
      seedDb,
      '--stack',
      'trustsource-scan-prod',
      ...SEED_DAY,
      '--format',
      'json',
    ]);

    // Assess
    const parsed = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    const rows = JSON.parse(json.stdout) as Record<string, string | null>[];
    expect(parsed).toEqual(
      rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value ?? '']))),
    );
    expect(csv.stdout.split('\r\n')[0]).toBe(
      'time,stackName,stackId,account,region,service,kind,logicalResourceId,resourceType,physicalResourceId,status,' +
        'statusReason',
    );
  });

  it('exits 1 with one line naming what it looked for and where when nothing matches', async () => {
    // Act
    const run = await runCli(['timeline', '--db', seedDb, '--stack', 'trustsource-search-prod', ...SEED_DAY]);

    // Assess
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(
      `no events of stack 'trustsource-search-prod' between 2021-09-21T00:00:00Z and 2021-09-22T00:00:00Z in the ` +
        `store in ${seedDb}`,
    );
  });

  it.each([
    [['timeline', '--db', 'x', ...SEED_DAY], 'give one of --stack NAME|ARN or --service NAME'],
    [['timeline', '--db', 'x', '--stack', 'a', '--service', 'b'], 'give one of --stack NAME|ARN or --service NAME'],
    [['timeline', '--stack', 'a', '--table', 't', '--watchdog-stack', 'w'], 'say where the data is'],
    [
      ['timeline', '--db', 'x', '--stack', 'a', '--from', '2021-09-22', '--to', '2021-09-21'],
      '--from must be before --to, got 2021-09-22T00:00:00Z and 2021-09-21T00:00:00Z',
    ],
  ])('exits 2 on %j', async (argv, message) => {
    // Act
    const run = await runCli(argv);

    // Assess
    expect(run.status).toBe(2);
    expectOneLine(run.stderr);
    expect(run.stderr).toContain(message);
  });
});

describe('cfn-watchdog timeline of a stack whose DELETE_COMPLETE was lost', () => {
  it(
    'shows the status the sweeper made up from DescribeStacks, dated when the stack was last seen, and ' + 'says so',
    async () => {
      // Prepare
      const lostDb = path.join(scratch, 'lost');
      const lostSample = SEED.replace('.jsonl', '-lost-delete.jsonl');
      const replayed = await runCli([
        'replay',
        lostSample,
        '--service-rule',
        SEED_RULE,
        '--simulate-cloudformation',
        '--db',
        lostDb,
        '--format',
        'json',
      ]);
      expect(replayed.status).toBe(0);

      // Act
      const run = await runCli([
        'timeline',
        '--db',
        lostDb,
        '--stack',
        'trustsource-core-prod',
        ...SEED_DAY,
        '--format',
        'json',
      ]);

      // Assess
      const rows = JSON.parse(run.stdout) as (Row & { statusReason: string })[];
      expect(rows.filter((row) => row.kind === 'stack').map((row) => [row.time, row.status, row.statusReason])).toEqual(
        [
          ['2021-09-21T19:09:00Z', 'DELETE_IN_PROGRESS', 'User Initiated'],
          [
            '2021-09-21T19:56:00Z',
            'DELETE_COMPLETE',
            'reconciled: its event never arrived; the sweeper made it up from DescribeStacks',
          ],
        ],
      );
    },
  );
});
