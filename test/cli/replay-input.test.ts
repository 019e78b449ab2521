/**
 * Invalid and foreign input among good events (DESIGN.md, replay contract): rejected entries,
 * the good ones still processed, exit status 1; JSON arrays read like JSON Lines.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  deliveredAt,
  FIXTURES,
  lostEvent,
  replayJson,
  runCli,
  parseOutput,
  removeWrittenEvents,
  writeEvents,
} from './harness.ts';
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
    {
      at: '2025-03-04T13:20:00Z',
      severity: 'WARNING',
      ...MIXED,
      operation: 'CREATE',
      status: 'CREATE_IN_PROGRESS',
      statusReason: 'User Initiated',
      startedAt: '2025-03-04T13:00:00Z',
      elapsedSeconds: 1200,
    },
    {
      at: '2025-03-04T13:25:00Z',
      severity: 'RESOLVED',
      ...MIXED,
      operation: 'CREATE',
      status: 'CREATE_COMPLETE',
      statusReason: '',
      startedAt: '2025-03-04T13:00:00Z',
      elapsedSeconds: 1500,
    },
  ],
  operations: [
    {
      ...MIXED,
      operation: 'CREATE',
      start: '2025-03-04T13:00:00Z',
      end: '2025-03-04T13:25:00Z',
      finalStatus: 'CREATE_COMPLETE',
      peakSeverity: 'WARNING',
    },
  ],
  windows: [
    {
      account: '123456789012',
      region: 'eu-west-1',
      service: 'mixed-bag',
      start: '2025-03-04T13:00:00Z',
      end: '2025-03-04T13:25:00Z',
      peakSeverity: 'WARNING',
      stacks: ['mixed-bag'],
    },
  ],
};

describe('malformed and foreign events among good ones', () => {
  test(
    'JSON Lines: rejected by 0-based line (blank lines counted), with id and the field at fault; the rest ' +
      'processed; exit 1',
    async () => {
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
    },
  );

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

  test(
    "an event whose account is not its stack ARN's, or delivered 15 minutes before its time, is rejected with " +
      'the field',
    async () => {
      // Prepare
      const arn = { name: 'mixed-bag', uuid: '0f0e0d0c-0b0a-4909-8807-060504030201' };
      const file = writeEvents('forged-and-early', [
        stackEvent(arn, '2025-03-04T13:00:00Z', 'CREATE_IN_PROGRESS', 'User Initiated', 'good'),
        { ...stackEvent(arn, '2025-03-04T13:05:00Z', 'CREATE_FAILED', '', 'forged'), account: '210987654321' },
        // Its deliverAt is the replay's clock: the event claims a time 16 minutes ahead of it.
        deliveredAt('2025-03-04T13:10:00Z', stackEvent(arn, '2025-03-04T13:26:00Z', 'CREATE_COMPLETE', '', 'early')),
      ]);

      // Act: history from 2025, replayed later, is not refused as old.
      const output = await replayJson(file, [], 1);

      // Assess
      expect(output.rejected).toEqual([
        {
          index: 1,
          id: 'forged',
          error: 'account: expected 123456789012, the account of detail.stack-id, got "210987654321"',
        },
        {
          index: 2,
          id: 'early',
          error:
            'event.time: expected a time at most 15 minutes after now (2025-03-04T13:10:00Z), got ' +
            '"2025-03-04T13:26:00Z"',
        },
      ]);
      expect(output.operations).toMatchObject([{ stackName: 'mixed-bag', start: '2025-03-04T13:00:00Z' }]);
    },
  );

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
    expect(output.rejected).toEqual([
      { index: 1, error: 'event: expected the EventBridge event to deliver at deliverAt, missing' },
    ]);
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

describe('an element {"lost": true, "event": …}: emitted by CloudFormation, never delivered', () => {
  const arn = { name: 'mixed-bag', uuid: '0f0e0d0c-0b0a-4909-8807-060504030201' };
  const started = () => stackEvent(arn, '2025-03-04T13:00:00Z', 'CREATE_IN_PROGRESS', 'User Initiated');
  const completed = () => stackEvent(arn, '2025-03-04T13:25:00Z', 'CREATE_COMPLETE', '');
  // Delivered, it would end the creation at 13:10, before its WARNING.
  const earlyEnd = (id = 'lost-one') => stackEvent(arn, '2025-03-04T13:10:00Z', 'CREATE_COMPLETE', '', id);

  test.each([
    ['JSON Lines', 'jsonl'],
    ['a JSON array', 'array'],
  ] as const)('in %s: is not delivered, not rejected, and the exit status is 0', async (_form, form) => {
    // Prepare
    const file = writeEvents(`lost-${form}`, [started(), lostEvent(earlyEnd()), completed()], form);

    // Act
    const output = await replayJson(file, [], 0);

    // Assess
    expect(output).toMatchObject({ ...goodPart, rejected: [] });
  });

  test.each([
    ['false', false],
    ['the text "true"', 'true'],
    ['1', 1],
    ['null', null],
  ])('lost: %s is rejected, naming lost; the event is not delivered', async (_what, lost) => {
    // Prepare
    const file = writeEvents('lost-not-true', [started(), { lost, event: earlyEnd() }, completed()]);

    // Act
    const output = await replayJson(file, [], 1);

    // Assess
    expect(output).toMatchObject(goodPart);
    expect(output.rejected).toEqual([
      {
        index: 1,
        id: 'lost-one',
        error:
          `lost: expected true (an event CloudFormation emitted that was never delivered), got ` +
          `${JSON.stringify(lost)}`,
      },
    ]);
  });

  test('both lost and deliverAt: rejected, saying to give one; the event is not delivered', async () => {
    // Prepare
    const file = writeEvents('lost-and-late', [
      started(),
      { lost: true, deliverAt: '2025-03-04T13:11:00Z', event: earlyEnd() },
      completed(),
    ]);

    // Act
    const output = await replayJson(file, [], 1);

    // Assess
    expect(output).toMatchObject(goodPart);
    expect(output.rejected).toEqual([
      {
        index: 1,
        id: 'lost-one',
        error:
          'lost: an event is either lost or delivered late at deliverAt, not both; give one of "lost" and "deliverAt"',
      },
    ]);
  });

  test('without its event: rejected, naming event', async () => {
    // Prepare
    const file = writeEvents('lost-no-event', [started(), { lost: true }, completed()]);

    // Act
    const output = await replayJson(file, [], 1);

    // Assess
    expect(output).toMatchObject(goodPart);
    expect(output.rejected).toEqual([
      { index: 1, error: 'event: expected the EventBridge event that was lost, missing' },
    ]);
  });

  test('with an invalid event: rejected like any event, its field named under event.', async () => {
    // Prepare
    const broken = earlyEnd('lost-broken');
    delete (broken.detail as Partial<typeof broken.detail>)['stack-id'];
    const file = writeEvents('lost-invalid', [started(), lostEvent(broken), completed()]);

    // Act
    const output = await replayJson(file, [], 1);

    // Assess
    expect(output).toMatchObject(goodPart);
    expect(output.rejected).toEqual([
      { index: 1, id: 'lost-broken', error: 'event.detail.stack-id: expected a stack ARN, missing' },
    ]);
  });

  test('is counted by its line, blank lines included, when rejected', async () => {
    // Prepare
    const file = writeEvents('lost-after-blank', []);
    writeFileSync(
      file,
      [
        JSON.stringify(started()),
        '',
        JSON.stringify({ lost: 'yes', event: earlyEnd() }),
        JSON.stringify(completed()),
        '',
      ].join('\n'),
    );

    // Act
    const output = await replayJson(file, [], 1);

    // Assess
    expect(output).toMatchObject(goodPart);
    expect(output.rejected).toMatchObject([{ index: 2, id: 'lost-one', error: expect.stringMatching(/^lost: /) }]);
  });
});

// JSON.parse builds values 100,000 levels deep that JSON.stringify cannot print: such a value is
// bad input like any other (listed in rejected, exit 1), not a failure of the replay (exit 3).
describe('a value nested 100,000 levels deep', () => {
  const DEPTH = 100_000;
  const deepArray = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
  const deepObject = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
  const arn = { name: 'mixed-bag', uuid: '0f0e0d0c-0b0a-4909-8807-060504030201' };
  const PLACEHOLDER = '"__DEEP__"';
  /** ELEMENT as a JSON line with the placeholder string replaced by DEEP (too deep to build with JSON.stringify). */
  const lineWith = (element: unknown, deep: string): string => JSON.stringify(element).replace(PLACEHOLDER, deep);
  const withStackId = (id: string) => {
    const event = stackEvent(arn, '2025-03-04T13:10:00Z', 'CREATE_COMPLETE', '', id);
    return { ...event, detail: { ...event.detail, 'stack-id': '__DEEP__' } };
  };
  const withStatus = (id: string) => {
    const event = stackEvent(arn, '2025-03-04T13:10:00Z', 'CREATE_COMPLETE', '', id);
    return { ...event, detail: { ...event.detail, 'status-details': { status: '__DEEP__' } } };
  };

  test(
    'in JSON Lines: each such line is rejected with its field, the others are processed, exit ' + 'status 1',
    async () => {
      // Prepare
      const file = writeEvents('deep-values', []);
      writeFileSync(
        file,
        [
          JSON.stringify(stackEvent(arn, '2025-03-04T13:00:00Z', 'CREATE_IN_PROGRESS', 'User Initiated')),
          lineWith(withStackId('deep-array-stack-id'), deepArray),
          lineWith(withStackId('deep-object-stack-id'), deepObject),
          lineWith(withStatus('deep-array-status'), deepArray),
          lineWith(
            {
              deliverAt: '__DEEP__',
              event: stackEvent(arn, '2025-03-04T13:10:00Z', 'CREATE_COMPLETE', '', 'deep-deliver-at'),
            },
            deepObject,
          ),
          lineWith(
            { lost: '__DEEP__', event: stackEvent(arn, '2025-03-04T13:10:00Z', 'CREATE_COMPLETE', '', 'deep-lost') },
            deepArray,
          ),
          JSON.stringify(stackEvent(arn, '2025-03-04T13:25:00Z', 'CREATE_COMPLETE', '')),
          '',
        ].join('\n'),
      );

      // Act
      const run = await runCli(['replay', file, '--format', 'json']);

      // Assess
      expect(run.status, run.stderr).toBe(1);
      const output = parseOutput(run.stdout);
      expect(output).toMatchObject(goodPart);
      expect(output.rejected).toEqual([
        { index: 1, id: 'deep-array-stack-id', error: 'detail.stack-id: expected a stack ARN, got [[[[…]]]]' },
        {
          index: 2,
          id: 'deep-object-stack-id',
          error: 'detail.stack-id: expected a stack ARN, got {"a":{"a":{"a":{…}}}}',
        },
        {
          index: 3,
          id: 'deep-array-status',
          error: 'detail.status-details.status: expected a status such as DELETE_IN_PROGRESS, got [[[[…]]]]',
        },
        {
          index: 4,
          id: 'deep-deliver-at',
          error: 'deliverAt: expected an ISO-8601 time such as 2021-09-21T19:09:00Z, got {"a":{"a":{"a":{…}}}}',
        },
        {
          index: 5,
          id: 'deep-lost',
          error: 'lost: expected true (an event CloudFormation emitted that was never delivered), got [[[[…]]]]',
        },
      ]);
    },
  );

  test('in a file holding that one event: rejected with its field, exit status 1', async () => {
    // Prepare
    const file = writeEvents('deep-one-event', []);
    writeFileSync(file, lineWith(withStackId('deep-alone'), deepArray));

    // Act
    const run = await runCli(['replay', file, '--format', 'json']);

    // Assess
    expect(run.status, run.stderr).toBe(1);
    expect(parseOutput(run.stdout).rejected).toEqual([
      { index: 0, id: 'deep-alone', error: 'detail.stack-id: expected a stack ARN, got [[[[…]]]]' },
    ]);
  });
});
