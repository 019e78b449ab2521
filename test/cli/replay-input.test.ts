/**
 * Invalid and foreign input among good events (DESIGN.md, replay contract): rejected entries,
 * the good ones still processed, exit status 1; JSON arrays read like JSON Lines.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FIXTURES, replayJson, runCli, parseOutput, removeWrittenEvents, writeEvents } from './harness.ts';
import { stackEvent } from '../support/events.ts';

afterAll(removeWrittenEvents);

const MIXED = {
  stackName: 'mixed-bag',
  stackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/mixed-bag/0f0e0d0c-0b0a-4909-8807-060504030201',
  account: '123456789012',
  region: 'eu-west-1',
  service: 'mixed-bag',
};

/** What the two good events of the fixtures give. */
const goodPart = {
  notifications: [
    { at: '2025-03-04T13:20:00Z', severity: 'WARNING', ...MIXED, operation: 'CREATE', status: 'CREATE_IN_PROGRESS', statusReason: 'User Initiated', startedAt: '2025-03-04T13:00:00Z', elapsedSeconds: 1200 },
    { at: '2025-03-04T13:25:00Z', severity: 'RESOLVED', ...MIXED, operation: 'CREATE', status: 'CREATE_COMPLETE', statusReason: '', startedAt: '2025-03-04T13:00:00Z', elapsedSeconds: 1500 },
  ],
  operations: [{ ...MIXED, operation: 'CREATE', start: '2025-03-04T13:00:00Z', end: '2025-03-04T13:25:00Z', finalStatus: 'CREATE_COMPLETE', peakSeverity: 'WARNING' }],
  windows: [{ account: '123456789012', region: 'eu-west-1', service: 'mixed-bag', start: '2025-03-04T13:00:00Z', end: '2025-03-04T13:25:00Z', peakSeverity: 'WARNING', stacks: ['mixed-bag'] }],
};

describe('malformed and foreign events among good ones', () => {
  test('JSON Lines: rejected by 0-based line (blank lines counted), with id and the field at fault; the rest processed; exit 1', async () => {
    const output = await replayJson(path.join(FIXTURES, 'malformed-and-foreign.jsonl'), [], 1);
    expect(output).toMatchObject(goodPart);
    expect(output.rejected).toMatchObject([
      { index: 1, error: expect.stringMatching(/json/i) },
      { index: 3, id: 'wrong-source', error: expect.stringContaining('source') },
      { index: 4, id: 'no-stack-id', error: expect.stringContaining('stack-id') },
      { index: 5, id: 'no-status', error: expect.stringContaining('status') },
      { index: 6, id: 'bad-time', error: expect.stringContaining('time') },
    ]);
    // the drift-detection event (line 7) is accepted and ignored: not rejected
    expect(output.rejected?.map((r) => r.index)).not.toContain(7);
  });

  test('JSON array: rejected by element position; the same good result; exit 1', async () => {
    const output = await replayJson(path.join(FIXTURES, 'malformed-and-foreign.json'), [], 1);
    expect(output).toMatchObject(goodPart);
    expect(output.rejected).toMatchObject([
      { index: 1, id: 'wrong-source', error: expect.stringContaining('source') },
      { index: 2, id: 'no-stack-id', error: expect.stringContaining('stack-id') },
      { index: 3, id: 'no-status', error: expect.stringContaining('status') },
      { index: 4, id: 'bad-time', error: expect.stringContaining('time') },
      { index: 6, error: expect.any(String) },
    ]);
    expect(output.rejected?.[4]).not.toHaveProperty('id');
  });

  test('the --format table output lists what was rejected, with exit status 1', async () => {
    const run = await runCli(['replay', path.join(FIXTURES, 'malformed-and-foreign.jsonl'), '--format', 'table']);
    expect(run.status).toBe(1);
    for (const id of ['wrong-source', 'no-stack-id', 'no-status', 'bad-time']) expect(run.stdout).toContain(id);
  });

  test('only valid events: rejected is empty and the exit status 0', async () => {
    const arn = { name: 'mixed-bag', uuid: '0f0e0d0c-0b0a-4909-8807-060504030201' };
    const file = writeEvents('only-valid', [
      stackEvent(arn, '2025-03-04T13:00:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
      stackEvent(arn, '2025-03-04T13:25:00Z', 'CREATE_COMPLETE', ''),
    ]);
    const run = await runCli(['replay', file, '--format', 'json']);
    expect(run.status).toBe(0);
    const output = parseOutput(run.stdout);
    expect(output).toMatchObject({ ...goodPart, rejected: [] });
  });

  test('a wrapped element with a bad deliverAt is rejected, naming deliverAt', async () => {
    const arn = { name: 'mixed-bag', uuid: '0f0e0d0c-0b0a-4909-8807-060504030201' };
    const file = writeEvents('bad-deliver-at', [
      stackEvent(arn, '2025-03-04T13:00:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
      { deliverAt: 'soon', event: stackEvent(arn, '2025-03-04T13:10:00Z', 'CREATE_COMPLETE', '', 'late-one') },
      stackEvent(arn, '2025-03-04T13:25:00Z', 'CREATE_COMPLETE', ''),
    ]);
    const output = await replayJson(file, [], 1);
    expect(output).toMatchObject(goodPart);
    expect(output.rejected).toMatchObject([{ index: 1, id: 'late-one', error: expect.stringContaining('deliverAt') }]);
  });

  test('a wrapped element without its event is rejected, naming event', async () => {
    const arn = { name: 'mixed-bag', uuid: '0f0e0d0c-0b0a-4909-8807-060504030201' };
    const file = writeEvents('no-event', [
      stackEvent(arn, '2025-03-04T13:00:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
      { deliverAt: '2025-03-04T13:11:00Z' },
      stackEvent(arn, '2025-03-04T13:25:00Z', 'CREATE_COMPLETE', ''),
    ]);
    const output = await replayJson(file, [], 1);
    expect(output).toMatchObject(goodPart);
    expect(output.rejected).toEqual([{ index: 1, error: 'event: expected the EventBridge event to deliver at deliverAt, missing' }]);
  });
});

describe('a file holding one event', () => {
  test.each([
    ['pretty-printed over many lines', (event: unknown) => `${JSON.stringify(event, null, 4)}\n`],
    ['on one line', (event: unknown) => JSON.stringify(event)],
  ])('replays it as one event when it is %s (as events/samples/*.json)', async (_form, render) => {
    const arn = { name: 'mixed-bag', uuid: '0f0e0d0c-0b0a-4909-8807-060504030201' };
    const file = writeEvents('one-event', []);
    writeFileSync(file, render(stackEvent(arn, '2025-03-04T13:00:00Z', 'DELETE_IN_PROGRESS', 'User Initiated')));
    const output = await replayJson(file, ['--until', '2025-03-04T13:30:00Z'], 0);
    expect(output.rejected).toEqual([]);
    expect(output.notifications.map((n) => [n.at, n.severity])).toEqual([['2025-03-04T13:20:00Z', 'WARNING']]);
    expect(output.operations).toMatchObject([{ operation: 'DELETE', start: '2025-03-04T13:00:00Z', end: null }]);
  });
});
