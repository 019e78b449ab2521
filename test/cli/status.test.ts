/**
 * `cfn-watchdog status` in the middle of the seed incident: the deletion that hangs, how far it
 * escalated, what is stuck, and the window already open.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nestedDeletionEvents } from '../support/nested.ts';
import { removeWrittenEvents, runCli, SEED, SEED_RULE, writeEvents } from './harness.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'cfn-watchdog-status-'));
const db = path.join(scratch, 'seed-at-1930');

beforeAll(async () => {
  const replayed = await runCli(['replay', SEED, '--service-rule', SEED_RULE, '--db', db, '--until', '2021-09-21T19:30:00Z', '--format', 'json']);
  expect(replayed.status).toBe(0);
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  removeWrittenEvents();
});

describe('cfn-watchdog status', () => {
  it('shows the hanging deletion at 19:30: 21 minutes, WARNING sent, its Lambda function waiting for its network interfaces', async () => {
    // Act
    const run = await runCli(['status', '--db', db, '--format', 'json'], '2021-09-21T19:30:00Z');

    // Assess
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      asOf: '2021-09-21T19:30:00Z',
      operations: [
        {
          stackName: 'trustsource-core-prod',
          stackId: expect.stringMatching(/^arn:aws:cloudformation:eu-central-1:123456789012:stack\/trustsource-core-prod\//),
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
              statusReason: 'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.',
            }),
          ],
        },
      ],
      openWindows: [expect.objectContaining({ start: '2021-09-21T19:09:00Z', end: null, open: true, service: 'trustsource-core', peakSeverity: 'WARNING' })],
    });
  });

  it('derives severities as of now: at 19:50 the deletion has reached CRITICAL, though only the WARNING was sent', async () => {
    const run = await runCli(['status', '--db', db, '--format', 'json'], '2021-09-21T19:50:00Z');
    const status = JSON.parse(run.stdout) as { operations: { severity: string; notified: string[] }[]; openWindows: { peakSeverity: string }[] };
    expect(status.operations.map((operation) => [operation.severity, operation.notified])).toEqual([['CRITICAL', ['WARNING']]]);
    expect(status.openWindows.map((window) => window.peakSeverity)).toEqual(['CRITICAL']);
  });

  it('prints tables for people, times in the zone asked for', async () => {
    const run = await runCli(['status', '--db', db, '--format', 'table', '--tz', 'Europe/Berlin'], '2021-09-21T19:30:00Z');
    expect(run.stdout).toContain('Status as of 2021-09-21T21:30:00+02:00');
    expect(run.stdout).toContain('Operations in progress: 1');
    expect(run.stdout).toContain('Open impact windows: 1');
    expect(run.stdout).toContain('2021-09-21T21:09:00+02:00');
    expect(run.stdout).toContain('STILL OPEN');
  });
});

describe('cfn-watchdog status with a nested stack', () => {
  it('shows the nested stack\'s deletion as quiet, nested in its root, with nothing sent for it', async () => {
    // Prepare
    const nestedDb = path.join(scratch, 'nested-at-1025');
    const replayed = await runCli(['replay', writeEvents('status-nested', nestedDeletionEvents()), '--db', nestedDb, '--until', '2024-03-05T10:25:00Z', '--format', 'json']);
    expect(replayed.status).toBe(0);

    // Act
    const run = await runCli(['status', '--db', nestedDb, '--format', 'json'], '2024-03-05T10:25:00Z');

    // Assess
    const status = JSON.parse(run.stdout) as { operations: { stackName: string; severity: string; notified: string[]; quiet: string | null }[] };
    expect(status.operations.map(({ stackName, severity, notified, quiet }) => [stackName, severity, notified, quiet])).toEqual([
      ['core-prod', 'WARNING', ['WARNING'], null],
      ['core-prod-ScanStack-1N2E3S4T5E6D', 'WARNING', [], 'nested in core-prod'],
    ]);
  });
});
