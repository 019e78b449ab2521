/**
 * `cfn-watchdog import`: describe-stack-events output (test/fixtures/import/, shaped as the AWS
 * CLI prints it) turned into replay input that replay reads whole, with nothing rejected.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { readReplayInput } from '../../cli/replay-input.ts';
import { freshFolder, removeWrittenEvents, replayJson, ROOT, runBin, runCli } from './harness.ts';

afterAll(removeWrittenEvents);

const IMPORT = path.join(ROOT, 'test/fixtures/import');
const fixture = (name: string): string => path.join(IMPORT, name);
const PAGE_1 = fixture('orders-api-prod.page-1.json');
const PAGE_2 = fixture('orders-api-prod.page-2.json');
const PAGE_1_UTF16LE = fixture('orders-api-prod.page-1.utf16le.json');

const ORDERS =
  'arn:aws:cloudformation:eu-west-1:111122223333:stack/orders-api-prod/5b1c7a40-f8e1-11ef-8c2a-0a1b2c3d4e5f';
const PLATFORM =
  'arn:aws:cloudformation:eu-west-1:111122223333:stack/platform-prod/7d2e4f60-f8f0-11ef-9a3b-0af1e2d3c4b5';
const NETWORK =
  'arn:aws:cloudformation:eu-west-1:111122223333:stack/platform-prod-NetworkStack-1A2B3C4D5E6F/8e3f5a70-f8f0-11ef-b' +
  '4c6-0b2c3d4e5f60';

interface ImportedEvent {
  readonly id: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: Record<string, unknown>;
}

const linesOf = (stdout: string): ImportedEvent[] =>
  stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ImportedEvent);

/** Runs import and asserts it succeeded and that replay takes every line it printed. */
async function importOk(files: readonly string[]): Promise<string> {
  const run = await runCli(['import', ...files]);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  expect(readReplayInput(run.stdout).rejected).toEqual([]);
  return run.stdout;
}

/** Writes TEXT (or bytes) to a file of its own in a fresh folder and returns its path. */
function scratchFile(name: string, content: string | Uint8Array): string {
  const file = path.join(freshFolder(name), name);
  writeFileSync(file, content);
  return file;
}

describe('import turns describe-stack-events rows into EventBridge events', () => {
  test(
    "a stack's own row is a Stack Status Change, a resource's a Resource Status Change; a hook's row is " + 'left out',
    async () => {
      // Prepare
      const stackId =
        'arn:aws:cloudformation:eu-central-1:123456789012:stack/tiny/0f0e0d0c-0b0a-11ef-8807-060504030201';
      const expected = [
        {
          version: '0',
          id: 'f9e6f90e-42d6-5a46-97ec-c4f5d16e64f0',
          'detail-type': 'CloudFormation Stack Status Change',
          source: 'aws.cloudformation',
          account: '123456789012',
          time: '2025-03-04T12:00:00Z',
          region: 'eu-central-1',
          resources: [stackId],
          detail: {
            'stack-id': stackId,
            'status-details': { status: 'CREATE_IN_PROGRESS', 'status-reason': 'User Initiated' },
            'client-request-token': 'tok-1',
          },
        },
        {
          version: '0',
          id: '63018557-9e30-534b-9530-6cd618c9fef6',
          'detail-type': 'CloudFormation Resource Status Change',
          source: 'aws.cloudformation',
          account: '123456789012',
          time: '2025-03-04T12:00:02Z',
          region: 'eu-central-1',
          resources: [stackId],
          detail: {
            'stack-id': stackId,
            'logical-resource-id': 'Bucket',
            'physical-resource-id': '',
            'status-details': { status: 'CREATE_IN_PROGRESS', 'status-reason': '' },
            'resource-type': 'AWS::S3::Bucket',
            'client-request-token': 'tok-1',
          },
        },
      ];

      // Act
      const stdout = await importOk([fixture('tiny.json')]);

      // Assess: byte for byte, key order included
      expect(stdout).toBe(expected.map((event) => `${JSON.stringify(event)}\n`).join(''));
    },
  );

  test('the fields of each event are those of the events AWS publishes', async () => {
    // Prepare
    const published = (name: string): { detail: Record<string, unknown> } =>
      JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/shared/events-samples', name), 'utf8')) as {
        detail: Record<string, unknown>;
      };
    const stackSample = published('aws-docs-stack-status-change-CREATE_COMPLETE.json');
    const resourceSample = published('aws-docs-resource-status-change-CREATE_COMPLETE.json');

    // Act
    const [stackEvent, resourceEvent] = linesOf(await importOk([fixture('tiny.json')]));

    // Assess
    expect(Object.keys(stackEvent ?? {})).toEqual(Object.keys(stackSample));
    expect(Object.keys(stackEvent?.detail ?? {})).toEqual(Object.keys(stackSample.detail));
    expect(Object.keys(resourceEvent ?? {})).toEqual(Object.keys(resourceSample));
    expect(Object.keys(resourceEvent?.detail ?? {}).sort()).toEqual(Object.keys(resourceSample.detail).sort());
  });

  test('two pages of one stack: each event once, in time order, the same second read to the millisecond', async () => {
    // Act
    const events = linesOf(await importOk([PAGE_1, PAGE_2]));

    // Assess: 9 rows, one of them on both pages
    expect(
      events.map((event) => [
        event.time,
        event.detail['logical-resource-id'] ?? 'stack',
        (event.detail['status-details'] as { status: string }).status,
      ]),
    ).toEqual([
      ['2025-03-04T10:00:00Z', 'stack', 'UPDATE_IN_PROGRESS'],
      // the same millisecond: describe-stack-events lists the newest first, so read backwards
      ['2025-03-04T10:00:04Z', 'OrdersTable', 'UPDATE_IN_PROGRESS'],
      ['2025-03-04T10:00:04Z', 'OrdersFunction', 'UPDATE_IN_PROGRESS'],
      ['2025-03-04T10:00:35Z', 'OrdersTable', 'UPDATE_COMPLETE'],
      ['2025-03-04T10:46:58Z', 'OrdersFunction', 'UPDATE_COMPLETE'],
      ['2025-03-04T10:47:01Z', 'stack', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'],
      ['2025-03-04T10:47:02Z', 'ApiDeployment5e1f2d', 'DELETE_COMPLETE'],
      ['2025-03-04T10:47:03Z', 'stack', 'UPDATE_COMPLETE'],
    ]);
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
  });

  test('the same input gives the same output, byte for byte', async () => {
    // Act
    const first = await importOk([PAGE_1, PAGE_2]);
    const second = await importOk([PAGE_1, PAGE_2]);

    // Assess
    expect(second).toBe(first);
  });

  test('replay of the two pages finds the update that went CRITICAL and resolved', async () => {
    // Prepare
    const replayInput = scratchFile('orders-api-prod.jsonl', await importOk([PAGE_1, PAGE_2]));

    // Act
    const output = await replayJson(replayInput);

    // Assess
    expect(output.rejected ?? []).toEqual([]);
    expect(output.operations).toEqual([
      {
        stackName: 'orders-api-prod',
        stackId: ORDERS,
        account: '111122223333',
        region: 'eu-west-1',
        service: 'orders-api-prod',
        operation: 'UPDATE',
        start: '2025-03-04T10:00:00Z',
        end: '2025-03-04T10:47:03Z',
        finalStatus: 'UPDATE_COMPLETE',
        peakSeverity: 'CRITICAL',
      },
    ]);
    expect(output.notifications.map((notification) => [notification.at, notification.severity])).toEqual([
      ['2025-03-04T10:20:00Z', 'WARNING'],
      ['2025-03-04T10:40:00Z', 'CRITICAL'],
      ['2025-03-04T10:47:03Z', 'RESOLVED'],
    ]);
  });

  test(
    "a nested stack's row in its parent stays a resource event, and replay reports the nested stack under its " +
      'root',
    async () => {
      // Prepare
      const files = [
        fixture('platform-prod.json'),
        fixture('platform-prod-NetworkStack.json'),
        fixture('payments-worker-prod.json'),
      ];

      // Act
      const stdout = await importOk(files);
      const output = await replayJson(scratchFile('three-stacks.jsonl', stdout));

      // Assess
      const nestedRows = linesOf(stdout).filter((event) => event.detail['physical-resource-id'] === NETWORK);
      expect(
        nestedRows.map((event) => [
          event['detail-type'],
          event.detail['stack-id'],
          event.detail['logical-resource-id'],
        ]),
      ).toEqual([
        ['CloudFormation Resource Status Change', PLATFORM, 'NetworkStack'],
        ['CloudFormation Resource Status Change', PLATFORM, 'NetworkStack'],
      ]);
      expect(
        output.operations.map((operation) => [
          operation.stackName,
          operation.service,
          operation.account,
          operation.region,
          operation.operation,
          operation.finalStatus,
        ]),
      ).toEqual([
        ['payments-worker-prod', 'payments-worker-prod', '444455556666', 'us-east-1', 'DELETE', 'DELETE_COMPLETE'],
        ['platform-prod', 'platform-prod', '111122223333', 'eu-west-1', 'UPDATE', 'UPDATE_COMPLETE'],
        [
          'platform-prod-NetworkStack-1A2B3C4D5E6F',
          'platform-prod',
          '111122223333',
          'eu-west-1',
          'UPDATE',
          'UPDATE_COMPLETE',
        ],
      ]);
    },
  );
});

describe('import reads the file as Windows wrote it', () => {
  test(
    'UTF-16 LE with a byte-order mark, as PowerShell\'s ">" writes it, gives the output of the UTF-8 ' + 'file',
    async () => {
      // Act
      const fromUtf16 = await importOk([PAGE_1_UTF16LE, PAGE_2]);

      // Assess
      expect(fromUtf16).toBe(await importOk([PAGE_1, PAGE_2]));
    },
  );

  test.each([
    [
      'UTF-16 BE with a byte-order mark',
      (text: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]),
    ],
    [
      'UTF-8 with a byte-order mark',
      (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]),
    ],
  ])('%s gives the output of the UTF-8 file', async (name, encode) => {
    // Prepare
    const file = scratchFile(`${name.replace(/\W+/g, '-')}.json`, encode(readFileSync(PAGE_1, 'utf8')));

    // Act
    const encoded = await importOk([file]);

    // Assess
    expect(encoded).toBe(await importOk([PAGE_1]));
  });
});

describe('bad input: one line naming the file and the fault, exit status 2, nothing on stdout', () => {
  const tinyWith = (change: (rows: Record<string, unknown>[]) => void): string => {
    const output = JSON.parse(readFileSync(fixture('tiny.json'), 'utf8')) as { StackEvents: Record<string, unknown>[] };
    change(output.StackEvents);
    return JSON.stringify(output, null, 4);
  };

  test.each([
    ['not-json.json', '{"StackEvents": [', 'not valid JSON (Unexpected end of JSON input)'],
    [
      'no-stack-events.json',
      '{"Stacks": []}',
      'StackEvents: expected the output of `aws cloudformation describe-stack-events`, an object with a ' +
        'StackEvents array (without --query), missing',
    ],
    [
      'query-output.json',
      '[]',
      'expected the output of `aws cloudformation describe-stack-events`, an object with a StackEvents array ' +
        '(without --query), got []',
    ],
    [
      'no-timestamp.json',
      tinyWith((rows) => delete rows[2]?.Timestamp),
      'StackEvents[2].Timestamp: expected a time with its offset such as 2021-09-21T19:09:00.123000+00:00, missing',
    ],
    [
      'no-status.json',
      tinyWith((rows) => delete rows[0]?.ResourceStatus),
      'StackEvents[0].ResourceStatus: expected a status such as UPDATE_IN_PROGRESS, missing',
    ],
    [
      'stack-name-as-id.json',
      tinyWith((rows) => Object.assign(rows[1] ?? {}, { StackId: 'tiny' })),
      'StackEvents[1].StackId: expected a stack ARN arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID, got "tiny"',
    ],
    ['not-text.json', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), 'not UTF-8 text (nor UTF-16 with a byte-order mark)'],
  ])('%s', async (name, content, problem) => {
    // Prepare
    const file = scratchFile(name, content);

    // Act
    const run = await runCli(['import', file]);

    // Assess
    expect(run).toEqual({ status: 2, stdout: '', stderr: `cfn-watchdog: import: ${file}: ${problem}\n` });
  });

  test('a file that is not there', async () => {
    // Prepare
    const file = path.join(freshFolder('missing'), 'stack-events.json');

    // Act
    const run = await runCli(['import', file]);

    // Assess
    expect(run).toEqual({
      status: 2,
      stdout: '',
      stderr: `cfn-watchdog: import: ${file}: cannot read it: no such file\n`,
    });
  });

  test('all or nothing: good files beside bad ones print nothing, and every bad one is named', async () => {
    // Prepare
    const notJson = scratchFile('half.json', '{"StackEvents": [');
    const noStatus = scratchFile(
      'no-status.json',
      tinyWith((rows) => delete rows[1]?.HookStatus),
    );

    // Act
    const run = await runCli(['import', PAGE_1, notJson, PAGE_2, noStatus]);

    // Assess: the hook's row (1) has a HookStatus; with neither, a row is at fault
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `cfn-watchdog: import: ${notJson}: not valid JSON (Unexpected end of JSON input)\n` +
        `cfn-watchdog: import: ${noStatus}: StackEvents[1].ResourceStatus: expected a status such as ` +
        `UPDATE_IN_PROGRESS, missing\n`,
    );
  });
});

describe('the real binary', () => {
  test('node cli/bin.js import prints what the command prints in process', async () => {
    // Act
    const run = await runBin(['import', PAGE_1_UTF16LE, PAGE_2]);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(await importOk([PAGE_1, PAGE_2]));
  });
});
