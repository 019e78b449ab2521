/**
 * Rejected input named on stderr (issue 15, item 5): with `--format json > out.json` the
 * `rejected` list is out of sight, so one line on stderr says how much was rejected and where.
 */
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { FIXTURES, parseOutput, removeWrittenEvents, ROOT, runBin, runCli, writeEvents } from './harness.ts';
import { stackEvent } from '../support/events.ts';

afterAll(removeWrittenEvents);

const STACK = { name: 'summary-stack' };

describe('one line on stderr names the rejected input, whatever the format; exit status 1', () => {
  test(
    'JSON Lines through the real binary: counted in lines from 1, the first three named, then how many ' + 'more',
    async () => {
      // Prepare
      const file = path.relative(ROOT, path.join(FIXTURES, 'malformed-and-foreign.jsonl'));

      // Act
      const run = await runBin(['replay', file, '--format', 'json']);

      // Assess
      expect(run.status).toBe(1);
      expect(parseOutput(run.stdout).rejected).toHaveLength(5);
      expect(run.stderr).toBe(
        'cfn-watchdog: 5 of 8 lines rejected: line 2 (not valid JSON (Unterminated string in JSON at position 67)), ' +
          `line 4 (source: expected 'aws.cloudformation', got "aws.ec2"), line 5 (detail.stack-id: expected a stack ` +
          `ARN, missing), and 2 more\n`,
      );
    },
  );

  test('a JSON array: counted in elements', async () => {
    // Act
    const run = await runCli(['replay', path.join(FIXTURES, 'malformed-and-foreign.json'), '--format', 'json']);

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'cfn-watchdog: 5 of 8 elements rejected: element 2 (source: expected \'aws.cloudformation\', got "aws.ec2"), ' +
        'element 3 (detail.stack-id: expected a stack ARN, missing), ' +
        'element 4 (detail.status-details.status: expected a status such as DELETE_IN_PROGRESS, missing), and 2 more\n',
    );
  });

  test('as a table too, and with no more than three rejected, no "and more"', async () => {
    // Prepare
    const file = writeEvents('two-rejected', [
      stackEvent(STACK, '2025-03-04T13:00:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
      { ...stackEvent(STACK, '2025-03-04T13:01:00Z', 'CREATE_IN_PROGRESS'), source: 'aws.ec2' },
      stackEvent(STACK, '2025-03-04T13:02:00Z', 'CREATE_COMPLETE'),
      { ...stackEvent(STACK, '2025-03-04T13:03:00Z', 'CREATE_COMPLETE'), time: 'yesterday' },
    ]);

    // Act
    const run = await runCli(['replay', file, '--format', 'table']);

    // Assess
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('Rejected input: 2');
    expect(run.stderr).toBe(
      `cfn-watchdog: 2 of 4 lines rejected: line 2 (source: expected 'aws.cloudformation', got "aws.ec2"), ` +
        'line 4 (time: expected an ISO-8601 time such as 2021-09-21T19:09:00Z, got "yesterday")\n',
    );
  });

  test('every line rejected: the summary, then that no event was replayed', async () => {
    // Prepare
    const file = writeEvents('all-rejected', [
      { ...stackEvent(STACK, '2025-03-04T13:00:00Z', 'CREATE_IN_PROGRESS'), source: 'aws.ec2' },
    ]);

    // Act
    const run = await runCli(['replay', file, '--format', 'json']);

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `cfn-watchdog: 1 of 1 line rejected: line 1 (source: expected 'aws.cloudformation', got "aws.ec2")\n` +
        `cfn-watchdog: no events replayed (${file} holds none that could be read)\n`,
    );
  });
});
