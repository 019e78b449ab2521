/**
 * `cfn-watchdog status` in the middle of the seed incident: the deletion that hangs, how far it
 * escalated, what is stuck, and the window already open.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoDbStore, ensureTable } from '../../shared/adapters/dynamodb-store.ts';
import { localDynamoDbClient } from '../../shared/adapters/embedded-dynamodb.ts';
import type { MutedStack } from '../../shared/app/ports.ts';
import { nestedDeletionEvents } from '../support/nested.ts';
import { expectOneLine, removeWrittenEvents, runBin, runCli, SEED, SEED_RULE, writeEvents } from './harness.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'cfn-watchdog-status-'));
const db = path.join(scratch, 'seed-at-1930');

beforeAll(async () => {
  const replayed = await runCli([
    'replay',
    SEED,
    '--service-rule',
    SEED_RULE,
    '--db',
    db,
    '--until',
    '2021-09-21T19:30:00Z',
    '--format',
    'json',
  ]);
  expect(replayed.status).toBe(0);
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  removeWrittenEvents();
});

describe('cfn-watchdog status', () => {
  it(
    'shows the hanging deletion at 19:30: 21 minutes, WARNING sent, its Lambda function waiting for its network ' +
      'interfaces',
    async () => {
      // Act
      const run = await runCli(['status', '--db', db, '--as-of', '2021-09-21T19:30:00Z', '--format', 'json']);

      // Assess
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({
        asOf: '2021-09-21T19:30:00Z',
        operations: [
          {
            stackName: 'trustsource-core-prod',
            stackId: expect.stringMatching(
              /^arn:aws:cloudformation:eu-central-1:123456789012:stack\/trustsource-core-prod\//,
            ),
            service: 'trustsource-core',
            account: '123456789012',
            region: 'eu-central-1',
            operation: 'DELETE',
            status: 'DELETE_IN_PROGRESS',
            startedAt: '2021-09-21T19:09:00Z',
            elapsedSeconds: 1260,
            severity: 'WARNING',
            notified: ['WARNING'],
            quiet: null,
            resourcesInProgress: [
              expect.objectContaining({
                logicalResourceId: 'ScanAnalysisFunction',
                resourceType: 'AWS::Lambda::Function',
                status: 'DELETE_IN_PROGRESS',
                statusReason:
                  'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be ' +
                  'cleaned up.',
              }),
            ],
          },
        ],
        openWindows: [
          expect.objectContaining({
            start: '2021-09-21T19:09:00Z',
            end: null,
            open: true,
            service: 'trustsource-core',
            peakSeverity: 'WARNING',
          }),
        ],
        mutedByTag: [],
      });
    },
  );

  it(
    'derives severities as of now: at 19:50 the deletion has reached CRITICAL, though only the WARNING was ' + 'sent',
    async () => {
      const run = await runCli(['status', '--db', db, '--as-of', '2021-09-21T19:50:00Z', '--format', 'json']);
      const status = JSON.parse(run.stdout) as {
        operations: { severity: string; notified: string[] }[];
        openWindows: { peakSeverity: string }[];
      };
      expect(status.operations.map((operation) => [operation.severity, operation.notified])).toEqual([
        ['CRITICAL', ['WARNING']],
      ]);
      expect(status.openWindows.map((window) => window.peakSeverity)).toEqual(['CRITICAL']);
    },
  );

  it('prints tables for people, times in the zone asked for', async () => {
    const run = await runCli([
      'status',
      '--db',
      db,
      '--as-of',
      '2021-09-21T19:30:00Z',
      '--format',
      'table',
      '--tz',
      'Europe/Berlin',
    ]);
    expect(run.stdout).toContain('Status as of 2021-09-21T21:30:00+02:00');
    expect(run.stdout).toContain('Operations in progress: 1');
    expect(run.stdout).toContain('Open impact windows: 1');
    expect(run.stdout).toContain('2021-09-21T21:09:00+02:00');
    expect(run.stdout).toContain('STILL OPEN');
    expect(run.stdout).toContain('Stacks muted by their cfn-watchdog:mute tag: 0');
  });
});

describe('cfn-watchdog status and stacks muted by their tag', () => {
  const muted = (name: string, service: string, since: string): MutedStack => ({
    key: { account: '123456789012', region: 'eu-central-1', service },
    stackId: `arn:aws:cloudformation:eu-central-1:123456789012:stack/${name}/${randomUUID()}`,
    stackName: name,
    since: Date.parse(since),
  });

  async function tableWith(stacks: readonly MutedStack[]): Promise<{ endpoint: string; table: string }> {
    const endpoint = inject('dynaliteEndpoint');
    const table = `status-muted-${randomUUID().slice(0, 8)}`;
    const client = localDynamoDbClient(endpoint);
    await ensureTable(client, table);
    const store = createDynamoDbStore({ client, tableName: table });
    for (const stack of stacks) await store.keepMutedByTag(stack);
    return { endpoint, table };
  }

  it('lists them in JSON (mutedByTag, oldest first, with since) and in their own table section', async () => {
    // Prepare
    const { endpoint, table } = await tableWith([
      muted('sandbox-bob-api', 'sandbox-bob-api', '2021-09-21T08:00:00Z'),
      muted('preview-42', 'web', '2021-09-20T17:30:00Z'),
    ]);
    const where = ['--endpoint', endpoint, '--table', table, '--aws-region', 'eu-central-1'];

    // Act
    const json = await runCli(['status', ...where, '--format', 'json'], '2021-09-21T19:35:00Z');
    const text = await runCli(
      ['status', ...where, '--format', 'table', '--tz', 'Europe/Berlin'],
      '2021-09-21T19:35:00Z',
    );

    // Assess
    expect([json.status, json.stderr]).toEqual([0, '']);
    expect((JSON.parse(json.stdout) as { mutedByTag: unknown }).mutedByTag).toEqual([
      {
        stackName: 'preview-42',
        stackId: expect.stringContaining(':stack/preview-42/'),
        service: 'web',
        account: '123456789012',
        region: 'eu-central-1',
        since: '2021-09-20T17:30:00Z',
      },
      {
        stackName: 'sandbox-bob-api',
        stackId: expect.stringContaining(':stack/sandbox-bob-api/'),
        service: 'sandbox-bob-api',
        account: '123456789012',
        region: 'eu-central-1',
        since: '2021-09-21T08:00:00Z',
      },
    ]);
    expect(text.stdout).toContain('Stacks muted by their cfn-watchdog:mute tag: 2');
    expect(text.stdout).toMatch(/preview-42 +│ web +│ 123456789012 \/ eu-central-1 +│ 2021-09-20T19:30:00\+02:00/);
  });

  it("shows only the watched stack's listing with --stack", async () => {
    // Prepare
    const { endpoint, table } = await tableWith([
      muted('sandbox-bob-api', 'sandbox-bob-api', '2021-09-21T08:00:00Z'),
      muted('preview-42', 'web', '2021-09-20T17:30:00Z'),
    ]);

    // Act
    const run = await runCli(
      [
        'status',
        '--endpoint',
        endpoint,
        '--table',
        table,
        '--aws-region',
        'eu-central-1',
        '--stack',
        'preview-42',
        '--format',
        'json',
      ],
      '2021-09-21T19:35:00Z',
    );

    // Assess
    expect(
      (JSON.parse(run.stdout) as { mutedByTag: { stackName: string }[] }).mutedByTag.map((stack) => stack.stackName),
    ).toEqual(['preview-42']);
  });
});

describe('cfn-watchdog status --stack', () => {
  it.each([
    ['the stack deleting', 'trustsource-core-prod', ['trustsource-core-prod'], 1],
    ['a stack of the same service the open window does not name yet', 'trustsource-scan-prod', [], 0],
  ])(
    "shows only the watched stack's operations and the windows naming it: %s",
    async (_what, stack, operations, windows) => {
      // Act
      const run = await runCli([
        'status',
        '--db',
        db,
        '--stack',
        stack,
        '--as-of',
        '2021-09-21T19:30:00Z',
        '--format',
        'json',
      ]);

      // Assess
      expect([run.status, run.stderr]).toEqual([0, '']);
      const status = JSON.parse(run.stdout) as { operations: { stackName: string }[]; openWindows: unknown[] };
      expect(status.operations.map((operation) => operation.stackName)).toEqual(operations);
      expect(status.openWindows).toHaveLength(windows);
    },
  );
});

describe('cfn-watchdog status: what "now" is', () => {
  it("takes a replayed store's last change for now, not the wall clock, and says so", async () => {
    // Prepare
    const wholeDb = path.join(scratch, 'seed-whole');
    expect(
      (await runCli(['replay', SEED, '--service-rule', SEED_RULE, '--db', wholeDb, '--format', 'json'])).status,
    ).toBe(0);

    // Act: the real binary, years after the incident.
    const run = await runBin(['status', '--db', wholeDb, '--format', 'table']);

    // Assess
    expect(run).toEqual({
      status: 0,
      stdout:
        "Status as of 2021-09-21T20:07:00Z (the store's last change; --as-of to change)\n\nOperations in progress: " +
        '0\n\nOpen impact windows: 0\n\nStacks muted by their cfn-watchdog:mute tag: 0\n',
      stderr: '',
    });
  });

  it(
    "counts elapsed time to the store's last change: the 19:29 sweep that sent the WARNING, not the last event at " +
      '19:09:22',
    async () => {
      // Act
      const run = await runCli(['status', '--db', db, '--format', 'json'], '2026-12-05T12:00:00Z');

      // Assess
      expect([run.status, run.stderr]).toEqual([0, '']);
      const status = JSON.parse(run.stdout) as {
        asOf: string;
        operations: { elapsedSeconds: number; severity: string; notified: string[] }[];
      };
      expect(status.asOf).toBe('2021-09-21T19:29:00Z');
      expect(
        status.operations.map(({ elapsedSeconds, severity, notified }) => [elapsedSeconds, severity, notified]),
      ).toEqual([[1200, 'WARNING', ['WARNING']]]);
    },
  );

  it('takes --as-of as now, a bare date as midnight in --tz', async () => {
    // Act
    const run = await runCli([
      'status',
      '--db',
      db,
      '--as-of',
      '2021-09-22',
      '--tz',
      'Europe/Berlin',
      '--format',
      'table',
    ]);

    // Assess
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(run.stdout.split('\n')[0]).toBe('Status as of 2021-09-22T00:00:00+02:00');
  });

  it('keeps the wall clock for a table written as things happen (--endpoint --table)', async () => {
    // Prepare
    const table = `status-now-${randomUUID().slice(0, 8)}`;
    const endpoint = inject('dynaliteEndpoint');
    const replayed = await runCli([
      'replay',
      SEED,
      '--service-rule',
      SEED_RULE,
      '--until',
      '2021-09-21T19:30:00Z',
      '--endpoint',
      endpoint,
      '--table',
      table,
      '--format',
      'json',
    ]);
    expect(replayed.status, replayed.stderr).toBe(0);

    // Act
    const run = await runCli(
      ['status', '--endpoint', endpoint, '--table', table, '--aws-region', 'eu-central-1', '--format', 'table'],
      '2021-09-21T19:35:00Z',
    );

    // Assess
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(run.stdout.split('\n')[0]).toBe('Status as of 2021-09-21T19:35:00Z');
  });

  it('exits 2 with one line for an --as-of that is no time', async () => {
    // Act
    const run = await runCli(['status', '--db', db, '--as-of', 'now']);

    // Assess
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expectOneLine(run.stderr);
    expect(run.stderr).toBe(
      'cfn-watchdog: --as-of: expected an ISO-8601 time such as 2021-09-21T19:09:00Z or a date such as 2021-09-21, ' +
        "got 'now'\n",
    );
  });
});

describe('cfn-watchdog status with a nested stack', () => {
  it("shows the nested stack's deletion as quiet, nested in its root, with nothing sent for it", async () => {
    // Prepare
    const nestedDb = path.join(scratch, 'nested-at-1025');
    const replayed = await runCli([
      'replay',
      writeEvents('status-nested', nestedDeletionEvents()),
      '--db',
      nestedDb,
      '--until',
      '2024-03-05T10:25:00Z',
      '--format',
      'json',
    ]);
    expect(replayed.status).toBe(0);

    // Act
    const run = await runCli(['status', '--db', nestedDb, '--as-of', '2024-03-05T10:25:00Z', '--format', 'json']);

    // Assess
    const status = JSON.parse(run.stdout) as {
      operations: { stackName: string; severity: string; notified: string[]; quiet: string | null }[];
    };
    expect(
      status.operations.map(({ stackName, severity, notified, quiet }) => [stackName, severity, notified, quiet]),
    ).toEqual([
      ['core-prod', 'WARNING', ['WARNING'], null],
      ['core-prod-ScanStack-1N2E3S4T5E6D', 'WARNING', [], 'nested in core-prod'],
    ]);
  });
});
