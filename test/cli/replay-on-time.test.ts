/**
 * `cfn-watchdog replay --on-time` and `backtest --on-time` (issue 18, part 3): the replay does what
 * the deployed sweeper does, each WARNING/CRITICAL at the second its threshold falls due; without
 * the flag, the contract's whole-minute clock, as its examples expect.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { stackEvent } from '../support/events.ts';
import { EXAMPLES, removeWrittenEvents, replayJson, runCli, writeEvents } from './harness.ts';

afterAll(removeWrittenEvents);

const STUCK_CLEANUP = path.join(EXAMPLES, 'stuck-cleanup.jsonl');
const expectedOf = (name: string) =>
  (
    JSON.parse(readFileSync(path.join(EXAMPLES, `${name}.expected.json`), 'utf8')) as {
      output: Record<string, unknown>;
    }
  ).output;

describe('replay --on-time', () => {
  test(
    'pages the stuck cleanup at 20 and 40 minutes to the second; operations and windows as the contract has ' + 'them',
    async () => {
      // Prepare: the update began at 09:15:12; the contract's minute clock pages at 09:36:00 and 09:56:00.
      const expected = expectedOf('stuck-cleanup');

      // Act
      const output = await replayJson(STUCK_CLEANUP, ['--on-time']);

      // Assess
      expect(output.notifications.map((n) => [n.severity, n.at, n.elapsedSeconds])).toEqual([
        ['WARNING', '2025-02-11T09:35:12Z', 1200],
        ['CRITICAL', '2025-02-11T09:55:12Z', 2400],
        ['RESOLVED', '2025-02-11T10:01:55Z', 2803],
      ]);
      expect(output.operations).toEqual(expected.operations);
      expect(output.windows).toEqual(expected.windows);
    },
  );

  test('without the flag, keeps the whole-minute clock', async () => {
    // Act
    const output = await replayJson(STUCK_CLEANUP);

    // Assess
    expect(output.notifications.map((n) => [n.severity, n.at])).toEqual([
      ['WARNING', '2025-02-11T09:36:00Z'],
      ['CRITICAL', '2025-02-11T09:56:00Z'],
      ['RESOLVED', '2025-02-11T10:01:55Z'],
    ]);
  });

  test.each([
    { until: '2025-02-11T09:35:11Z', paged: [] },
    { until: '2025-02-11T09:35:12Z', paged: [['WARNING', '2025-02-11T09:35:12Z']] },
  ])('sends nothing after --until $until', async ({ until, paged }) => {
    // Act
    const output = await replayJson(STUCK_CLEANUP, ['--on-time', '--until', until]);

    // Assess
    expect(output.notifications.map((n) => [n.severity, n.at])).toEqual(paged);
  });

  test.each(['2024-03-05T10:20:29Z', '2024-03-05T10:20:30Z'])(
    'delivers the events due by an instant before it: a completion at %s pages nobody',
    async (done) => {
      // Prepare: the threshold falls due at 10:20:30.
      const api = { name: 'orders-api' };
      const file = writeEvents('on-time-just-done', [
        stackEvent(api, '2024-03-05T10:00:30Z', 'DELETE_IN_PROGRESS'),
        stackEvent(api, done, 'DELETE_COMPLETE'),
      ]);

      // Act
      const output = await replayJson(file, ['--on-time']);

      // Assess
      expect(output.notifications).toEqual([]);
      expect(output.operations.map((operation) => operation.end)).toEqual([done]);
    },
  );
});

describe('backtest --on-time', () => {
  test('measures lead times from pages sent at their thresholds', async () => {
    // Prepare: a deletion that hangs from 10:00:30 and fails at 11:30:30.
    const api = { name: 'orders-api' };
    const file = writeEvents('on-time-backtest', [
      stackEvent(api, '2024-03-05T10:00:30Z', 'DELETE_IN_PROGRESS'),
      stackEvent(api, '2024-03-05T11:30:30Z', 'DELETE_FAILED'),
    ]);

    // Act
    const [onMinutes, onTime] = await Promise.all(
      [[], ['--on-time']].map((more) =>
        runCli(['backtest', file, '--thresholds', '*=20m/40m', ...more, '--format', 'json']),
      ),
    );

    // Assess
    const leads = (stdout: string) =>
      (JSON.parse(stdout) as { troubled: { leadMinutes: (number | null)[] }[] }).troubled.map(
        (operation) => operation.leadMinutes,
      );
    expect(onMinutes?.status).toBe(0);
    expect(onTime?.status).toBe(0);
    expect(leads(onMinutes?.stdout ?? '')).toEqual([[69.5]]);
    expect(leads(onTime?.stdout ?? '')).toEqual([[70]]);
  });
});
