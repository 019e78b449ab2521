/**
 * The seed incident (events/incidents/trustsource-2021-09-21.jsonl) replayed with and without
 * a service rule; expected values worked out by hand from DESIGN.md.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import {
  replayJson,
  runCli,
  SEED,
  SEED_RULE,
  removeWrittenEvents,
  writeEvents,
  type OperationOut,
  type WindowOut,
} from './harness.ts';

afterAll(removeWrittenEvents);

const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';
const STACKS = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack`;
const CORE = {
  stackName: 'trustsource-core-prod',
  stackId: `${STACKS}/trustsource-core-prod/091c23ec-9c34-11eb-9c3e-0a8f4e2b71d5`,
};
const SCAN = {
  stackName: 'trustsource-scan-prod',
  stackId: `${STACKS}/trustsource-scan-prod/c3348cd2-1b12-11ec-b0a7-06d21c93e4f7`,
};
const V2 = {
  stackName: 'trustsource-scan-v2-prod',
  stackId: `${STACKS}/trustsource-scan-v2-prod/6ab2b409-1b15-11ec-a8f1-0254c7e39ab2`,
};
const where = { account: ACCOUNT, region: REGION };

/** The service of each stack: the rule's, or (without rules) the stack name. */
type ServiceOf = (stack: { stackName: string }) => string;
const byRule: ServiceOf = () => 'trustsource-core';
const byName: ServiceOf = (stack) => stack.stackName;

function expectedNotifications(serviceOf: ServiceOf) {
  return [
    {
      at: '2021-09-21T19:29:00Z',
      severity: 'WARNING',
      ...CORE,
      ...where,
      service: serviceOf(CORE),
      operation: 'DELETE',
      status: 'DELETE_IN_PROGRESS',
      statusReason: 'User Initiated',
      startedAt: '2021-09-21T19:09:00Z',
      elapsedSeconds: 1200,
    },
    {
      at: '2021-09-21T19:35:32Z',
      severity: 'FAILED',
      ...SCAN,
      ...where,
      service: serviceOf(SCAN),
      operation: 'CREATE',
      status: 'ROLLBACK_COMPLETE',
      statusReason: '',
      startedAt: '2021-09-21T19:33:14Z',
      elapsedSeconds: 138,
    },
    {
      at: '2021-09-21T19:49:00Z',
      severity: 'CRITICAL',
      ...CORE,
      ...where,
      service: serviceOf(CORE),
      operation: 'DELETE',
      status: 'DELETE_IN_PROGRESS',
      statusReason: 'User Initiated',
      startedAt: '2021-09-21T19:09:00Z',
      elapsedSeconds: 2400,
    },
    {
      at: '2021-09-21T19:56:30Z',
      severity: 'RESOLVED',
      ...CORE,
      ...where,
      service: serviceOf(CORE),
      operation: 'DELETE',
      status: 'DELETE_COMPLETE',
      statusReason: '',
      startedAt: '2021-09-21T19:09:00Z',
      elapsedSeconds: 2850,
    },
  ];
}

function expectedOperations(serviceOf: ServiceOf): OperationOut[] {
  return [
    {
      ...CORE,
      ...where,
      service: serviceOf(CORE),
      operation: 'DELETE',
      start: '2021-09-21T19:09:00Z',
      end: '2021-09-21T19:56:30Z',
      finalStatus: 'DELETE_COMPLETE',
      peakSeverity: 'CRITICAL',
    },
    {
      ...SCAN,
      ...where,
      service: serviceOf(SCAN),
      operation: 'CREATE',
      start: '2021-09-21T19:33:14Z',
      end: '2021-09-21T19:35:32Z',
      finalStatus: 'ROLLBACK_COMPLETE',
      peakSeverity: 'FAILED',
    },
    {
      ...SCAN,
      ...where,
      service: serviceOf(SCAN),
      operation: 'DELETE',
      start: '2021-09-21T19:38:05Z',
      end: '2021-09-21T19:38:14Z',
      finalStatus: 'DELETE_COMPLETE',
      peakSeverity: null,
    },
    {
      ...V2,
      ...where,
      service: serviceOf(V2),
      operation: 'CREATE',
      start: '2021-09-21T19:52:14Z',
      end: '2021-09-21T20:07:00Z',
      finalStatus: 'CREATE_COMPLETE',
      peakSeverity: null,
    },
  ];
}

const coreWindow = (end: string | null): WindowOut => ({
  ...where,
  service: 'trustsource-core-prod',
  start: '2021-09-21T19:09:00Z',
  end,
  peakSeverity: 'CRITICAL',
  stacks: ['trustsource-core-prod'],
});
const scanWindow = (end: string | null): WindowOut => ({
  ...where,
  service: 'trustsource-scan-prod',
  start: '2021-09-21T19:33:14Z',
  end,
  peakSeverity: 'FAILED',
  stacks: ['trustsource-scan-prod'],
});

describe('seed incident with the rule trustsource-core=^trustsource-(core|scan)-', () => {
  const expected = {
    notifications: expectedNotifications(byRule),
    operations: expectedOperations(byRule),
    windows: [
      {
        ...where,
        service: 'trustsource-core',
        start: '2021-09-21T19:09:00Z',
        end: '2021-09-21T20:07:00Z',
        peakSeverity: 'FAILED',
        stacks: ['trustsource-core-prod', 'trustsource-scan-prod', 'trustsource-scan-v2-prod'],
      },
    ],
    rejected: [],
  };

  test(
    'default --until (20:07:00): WARNING, FAILED, CRITICAL, RESOLVED; one window 19:09–20:07, peak ' + 'FAILED',
    async () => {
      const output = await replayJson(SEED, ['--service-rule', SEED_RULE]);
      expect(output).toMatchObject(expected);
    },
  );

  test('a later --until changes nothing (the window closed at 20:07:00)', async () => {
    const output = await replayJson(SEED, ['--service-rule', SEED_RULE, '--until', '2021-09-21T23:00:00Z']);
    expect(output).toMatchObject(expected);
  });

  test('the same file as a JSON array gives the same output as JSON Lines', async () => {
    const elements = readFileSync(SEED, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line): unknown => JSON.parse(line));
    expect(elements).toHaveLength(69);
    const arrayFile = writeEvents('seed-as-array', elements, 'array');
    const fromArray = await replayJson(arrayFile, ['--service-rule', SEED_RULE]);
    const fromLines = await replayJson(SEED, ['--service-rule', SEED_RULE]);
    expect(fromArray).toEqual(fromLines);
    expect(fromArray).toMatchObject(expected);
  });
});

describe('the recovery hand-off in --format json (windowEvents)', () => {
  test(
    'the seed with the rule lists Opened (revision 0, end null) at 19:29, then Closed (revision 1, end 20:07) ' +
      'at 20:07, of one window id',
    async () => {
      // Act
      const output = await replayJson(SEED, ['--service-rule', SEED_RULE]);

      // Assess
      const windowId = '123456789012#eu-central-1#trustsource-core#2021-09-21T19:09:00Z';
      expect(output.windowEvents).toEqual([
        {
          at: '2021-09-21T19:29:00Z',
          type: 'Impact Window Opened',
          windowId,
          revision: 0,
          service: 'trustsource-core',
          account: '123456789012',
          region: 'eu-central-1',
          start: '2021-09-21T19:09:00Z',
          end: null,
          peakSeverity: 'WARNING',
          stacks: ['trustsource-core-prod'],
          withdrawn: false,
        },
        {
          at: '2021-09-21T20:07:00Z',
          type: 'Impact Window Closed',
          windowId,
          revision: 1,
          service: 'trustsource-core',
          account: '123456789012',
          region: 'eu-central-1',
          start: '2021-09-21T19:09:00Z',
          end: '2021-09-21T20:07:00Z',
          peakSeverity: 'FAILED',
          stacks: ['trustsource-core-prod', 'trustsource-scan-prod', 'trustsource-scan-v2-prod'],
          withdrawn: false,
        },
      ]);
    },
  );

  test('lists each page of the seed as the event the bus carries, beside the window events', async () => {
    // Act
    const output = await replayJson(SEED, ['--service-rule', SEED_RULE]);

    // Assess
    const events = output.escalationEvents ?? [];
    expect(events.map(({ at, type, detail }) => [at, type, detail.severity, detail.stackName])).toEqual(
      output.notifications.map(({ at, severity, stackName }) => [
        at,
        severity === 'RESOLVED' ? 'Deployment Resolved' : 'Deployment Escalated',
        severity,
        stackName,
      ]),
    );
    // The deletion's WARNING, CRITICAL and its end share one key; the other stacks' pages another each.
    const keyOf = (stackName: string): string[] =>
      events.filter(({ detail }) => detail.stackName === stackName).map(({ detail }) => detail.dedupKey);
    expect(new Set(keyOf('trustsource-core-prod')).size).toBe(1);
    expect(output.notifications.map((n) => `${n.severity} ${n.stackName}`)).toContain('WARNING trustsource-core-prod');
  });

  test('a replay that opens no window lists none', async () => {
    // Prepare: a creation of 14m46s (trustsource-scan-v2-prod's), below the thresholds.
    const lines = readFileSync(SEED, 'utf8')
      .split('\n')
      .filter((line) => line.includes('trustsource-scan-v2-prod'));
    const file = writeEvents(
      'seed-v2-only',
      lines.map((line): unknown => JSON.parse(line)),
    );

    // Act
    const output = await replayJson(file);

    // Assess
    expect(output.notifications).toEqual([]);
    expect(output.windowEvents).toEqual([]);
    expect(output.escalationEvents).toEqual([]);
  });
});

describe('seed incident without rules (each stack its own service)', () => {
  test(
    'default --until (20:07:00): the same notifications; the two deleted stacks wait for a replacement (windows ' +
      'open)',
    async () => {
      const output = await replayJson(SEED);
      expect(output).toMatchObject({
        notifications: expectedNotifications(byName),
        operations: expectedOperations(byName),
        // trustsource-scan-v2-prod's CREATE (14m46s) has no severity: no window of its own.
        windows: [coreWindow(null), scanWindow(null)],
        rejected: [],
      });
    },
  );

  // Grace (default 60 min) runs from the last DELETE_COMPLETE and ends exclusive:
  // trustsource-scan-prod: 19:38:14 + 60m = 20:38:14; trustsource-core-prod: 19:56:30 + 60m = 20:56:30.
  test.each([
    { until: '2021-09-21T20:38:13Z', windows: [coreWindow(null), scanWindow(null)] },
    { until: '2021-09-21T20:38:14Z', windows: [coreWindow(null), scanWindow('2021-09-21T19:38:14Z')] },
    { until: '2021-09-21T20:56:00Z', windows: [coreWindow(null), scanWindow('2021-09-21T19:38:14Z')] },
    { until: '2021-09-21T20:56:29Z', windows: [coreWindow(null), scanWindow('2021-09-21T19:38:14Z')] },
    {
      until: '2021-09-21T20:56:30Z',
      windows: [coreWindow('2021-09-21T19:56:30Z'), scanWindow('2021-09-21T19:38:14Z')],
    },
    {
      until: '2021-09-21T21:30:00Z',
      windows: [coreWindow('2021-09-21T19:56:30Z'), scanWindow('2021-09-21T19:38:14Z')],
    },
  ])('--until $until: windows as the grace rule gives', async ({ until, windows }) => {
    const output = await replayJson(SEED, ['--until', until]);
    expect(output.windows).toEqual(windows);
    expect(output).toMatchObject({
      notifications: expectedNotifications(byName),
      operations: expectedOperations(byName),
    });
  });

  test('--grace 10m: both windows have closed by 20:07:00 with end = their DELETE_COMPLETE', async () => {
    const output = await replayJson(SEED, ['--grace', '10m']);
    expect(output.windows).toEqual([coreWindow('2021-09-21T19:56:30Z'), scanWindow('2021-09-21T19:38:14Z')]);
  });
});

describe('--mute', () => {
  test('silences the muted stacks and records them all the same', async () => {
    const run = await runCli([
      'replay',
      SEED,
      '--service-rule',
      SEED_RULE,
      '--mute',
      '^trustsource-scan-',
      '--format',
      'json',
    ]);
    expect(run.status).toBe(0);
    const output = JSON.parse(run.stdout) as {
      notifications: { severity: string; stackName: string }[];
      windows: { start: string; end: string }[];
      operations: unknown[];
    };
    expect(output.notifications.map((n) => `${n.severity} ${n.stackName}`)).toEqual([
      'WARNING trustsource-core-prod',
      'CRITICAL trustsource-core-prod',
      'RESOLVED trustsource-core-prod',
    ]);
    expect(output.windows.map((w) => [w.start, w.end])).toEqual([['2021-09-21T19:09:00Z', '2021-09-21T20:07:00Z']]);
    expect(output.operations).toHaveLength(4);
  });
});

describe('--format table', () => {
  const lines = (text: string): string[] => text.split('\n');

  test('seed with the rule: notifications timeline, the window with start, end and "58 min"', async () => {
    const run = await runCli(['replay', SEED, '--service-rule', SEED_RULE, '--format', 'table']);
    expect(run.status).toBe(0);
    const text = run.stdout;
    expect(() => JSON.parse(text)).toThrow();

    const timeline = [
      ['19:29:00', 'WARNING'],
      ['19:35:32', 'FAILED'],
      ['19:49:00', 'CRITICAL'],
      ['19:56:30', 'RESOLVED'],
    ] as const;
    let previous = -1;
    for (const [time, severity] of timeline) {
      const index = lines(text).findIndex((line) => line.includes(time) && line.includes(severity));
      expect(index, `a line with ${time} and ${severity}`).toBeGreaterThan(previous);
      previous = index;
    }

    const windowLine = lines(text).find((line) => line.includes('19:09:00') && line.includes('20:07:00'));
    expect(windowLine, 'a line with the window start and end').toBeDefined();
    expect(windowLine).toContain('58 min');
    expect(windowLine).toContain('trustsource-core');
    expect(text).not.toContain('OPEN');

    const handOff = lines(text).slice(lines(text).findIndex((line) => line.startsWith('Recovery hand-off')));
    expect(handOff[0]).toBe('Recovery hand-off (EventBridge, source cfn-watchdog): 2');
    const opened = handOff.find((line) => line.includes('Impact Window Opened'));
    const closed = handOff.find((line) => line.includes('Impact Window Closed'));
    const windowId = '123456789012#eu-central-1#trustsource-core#2021-09-21T19:09:00Z';
    const row = (...cells: string[]): string[] => cells.map((cell) => cell.trim());
    expect(row(...(opened ?? '').split('│').slice(1, -1))).toEqual(
      row('2021-09-21T19:29:00Z', 'Impact Window Opened', windowId, '2021-09-21T19:09:00Z', '', 'WARNING'),
    );
    expect(row(...(closed ?? '').split('│').slice(1, -1))).toEqual(
      row(
        '2021-09-21T20:07:00Z',
        'Impact Window Closed',
        windowId,
        '2021-09-21T19:09:00Z',
        '2021-09-21T20:07:00Z',
        'FAILED',
      ),
    );
  });

  test('seed without rules: an open window says OPEN', async () => {
    const run = await runCli(['replay', SEED, '--format', 'table']);
    expect(run.status).toBe(0);
    const openLine = lines(run.stdout).find(
      (line) => line.includes('trustsource-core-prod') && line.includes('19:09:00') && line.includes('OPEN'),
    );
    expect(openLine, 'the trustsource-core-prod window row says OPEN').toBeDefined();
    const scanLine = lines(run.stdout).find(
      (line) => line.includes('trustsource-scan-prod') && line.includes('19:33:14') && line.includes('OPEN'),
    );
    expect(scanLine, 'the trustsource-scan-prod window row says OPEN').toBeDefined();
  });
});
