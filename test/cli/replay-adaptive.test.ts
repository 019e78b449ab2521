/**
 * `cfn-watchdog replay --thresholds 'UPDATE=auto,…'` (issue 18): the adaptive rule in the JSON the
 * contract describes (notifications[].threshold, an addition docs/replay-output.schema.json lists).
 */
import { afterAll, describe, expect, test } from 'vitest';
import { stackEvent } from '../support/events.ts';
import { removeWrittenEvents, replayJson, SEED, SEED_RULE, writeEvents } from './harness.ts';

afterAll(removeWrittenEvents);

const api = { name: 'orders-api' };

/** Six updates of 4 minutes, an hour apart, then one that hangs from 10:00 and ends at 10:30. */
function history(): unknown[] {
  const events: unknown[] = [];
  for (let hour = 4; hour < 10; hour += 1) {
    const at = `2024-03-05T0${hour}:00:00Z`;
    events.push(
      stackEvent(api, at, 'UPDATE_IN_PROGRESS'),
      stackEvent(api, at.replace(':00:00', ':04:00'), 'UPDATE_COMPLETE'),
    );
  }
  events.push(
    stackEvent(api, '2024-03-05T10:00:00Z', 'UPDATE_IN_PROGRESS'),
    stackEvent(api, '2024-03-05T10:30:00Z', 'UPDATE_COMPLETE'),
  );
  return events;
}

describe('replay with adaptive thresholds', () => {
  test('pages the hung update at 8 and 16 minutes, saying why, and keeps the window on the fixed ones', async () => {
    // Prepare
    const file = writeEvents('adaptive-updates', history());

    // Act
    const output = await replayJson(file, ['--thresholds', 'UPDATE=auto,*=20m/40m']);

    // Assess
    expect(output.notifications.map((n) => [n.severity, n.at, n.threshold?.explanation ?? null])).toEqual([
      ['WARNING', '2024-03-05T10:08:00Z', "2.0× this stack's usual 4 min (p95 of 6 updates)"],
      ['CRITICAL', '2024-03-05T10:16:00Z', "4.0× this stack's usual 4 min (p95 of 6 updates)"],
      ['RESOLVED', '2024-03-05T10:30:00Z', null],
    ]);
    expect(output.notifications[0]?.threshold).toMatchObject({ rule: 'adaptive', p95Seconds: 240 });
    // The window and the operation's severity follow the fixed thresholds: CRITICAL at 30 minutes is not reached.
    expect(output.windows.map((w) => [w.start, w.end, w.peakSeverity])).toEqual([
      ['2024-03-05T10:00:00Z', '2024-03-05T10:30:00Z', 'WARNING'],
    ]);
  });

  test('without auto, pages the same history at the fixed thresholds only', async () => {
    // Act
    const output = await replayJson(writeEvents('fixed-updates', history()), ['--thresholds', '*=20m/40m']);

    // Assess
    expect(output.notifications.map((n) => [n.severity, n.at, n.threshold])).toEqual([
      ['WARNING', '2024-03-05T10:20:00Z', undefined],
      ['RESOLVED', '2024-03-05T10:30:00Z', undefined],
    ]);
  });
});

describe('replay --heads-up', () => {
  test('gives the seed an INFO at 19:09:22, when its function began waiting; the rest as before', async () => {
    // Act
    const plain = await replayJson(SEED, ['--service-rule', SEED_RULE]);
    const told = await replayJson(SEED, ['--service-rule', SEED_RULE, '--heads-up']);

    // Assess
    expect(told.notifications.map((n) => [n.severity, n.at, n.stackName])[0]).toEqual([
      'INFO',
      '2021-09-21T19:09:22Z',
      'trustsource-core-prod',
    ]);
    expect(told.notifications.slice(1)).toEqual(plain.notifications);
    expect(told.windows).toEqual(plain.windows);
    expect(told.escalationEvents).toEqual(plain.escalationEvents);
  });
});
