/**
 * Lost events and `replay --simulate-cloudformation` (DESIGN.md, replay contract): the sweeper's
 * DescribeStacks answered from the whole input, lost and not-yet-delivered events included, as
 * of the virtual clock; without the flag, lost events change nothing.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  deliveredAt,
  lostEvent,
  replayJson,
  runCli,
  SEED,
  SEED_RULE,
  removeWrittenEvents,
  writeEvents,
  type ReplayOutput,
} from './harness.ts';
import { NESTED, NESTED_DELETION_STUCK, nestedDeletionEvents } from '../support/nested.ts';

afterAll(removeWrittenEvents);

/** The seed's events (it has no blank line: an element's index is its line's). */
const seedElements = (): unknown[] =>
  readFileSync(SEED, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line): unknown => JSON.parse(line));

/** Line 58 of the seed (index 57): trustsource-core-prod's DELETE_COMPLETE at 19:56:30. */
const CORE_DELETE_COMPLETE = 57;
const CORE = 'trustsource-core-prod';
const LOST_DELETE_SAMPLE = SEED.replace('.jsonl', '-lost-delete.jsonl');
const UNTIL = '2021-09-21T20:30:00Z';

/** The seed with its element at INDEX replaced by what REPLACE makes of it. */
function seedWith(name: string, index: number, replace: (element: unknown) => unknown | undefined): string {
  const elements = seedElements();
  const replaced = elements.flatMap((element, at) => {
    if (at !== index) return [element];
    const next = replace(element);
    return next === undefined ? [] : [next];
  });
  return writeEvents(name, replaced);
}

const escalationsOf = (output: ReplayOutput, stackName: string) =>
  output.notifications.filter(
    (n) => n.stackName === stackName && (n.severity === 'WARNING' || n.severity === 'CRITICAL'),
  );

describe("the seed with trustsource-core-prod's DELETE_COMPLETE lost, --simulate-cloudformation", () => {
  const args = ['--service-rule', SEED_RULE, '--until', UNTIL, '--simulate-cloudformation'];

  it(
    'escalates at 19:29 and 19:49 as the events say, then DescribeStacks shows the stack gone: no WARNING or ' +
      'CRITICAL from 19:57 on',
    async () => {
      // Prepare
      expect(seedElements()[CORE_DELETE_COMPLETE], 'the line made lost').toMatchObject({
        time: '2021-09-21T19:56:30Z',
        detail: {
          'stack-id': expect.stringContaining(`stack/${CORE}/`),
          'status-details': { status: 'DELETE_COMPLETE' },
        },
      });
      const file = seedWith('seed-core-deletion-lost', CORE_DELETE_COMPLETE, lostEvent);

      // Act
      const output = await replayJson(file, args);

      // Assess
      expect(escalationsOf(output, CORE).map((n) => [n.at, n.severity])).toEqual([
        ['2021-09-21T19:29:00Z', 'WARNING'],
        ['2021-09-21T19:49:00Z', 'CRITICAL'],
      ]);
      expect(escalationsOf(output, CORE).filter((n) => n.at >= '2021-09-21T19:57:00Z')).toEqual([]);
      expect(
        output.notifications
          .filter((n) => n.stackName === CORE && n.severity === 'RESOLVED')
          .map((n) => [n.at, n.status]),
      ).toEqual([['2021-09-21T19:57:00Z', 'DELETE_COMPLETE']]);
      expect(output.operations.find((o) => o.stackName === CORE)).toMatchObject({
        operation: 'DELETE',
        finalStatus: 'DELETE_COMPLETE',
      });
      expect(output.rejected).toEqual([]);
    },
  );

  it('stops the CRITICAL reminders once DescribeStacks shows the stack gone (--repeat-critical-every 5m)', async () => {
    // Prepare
    const file = seedWith('seed-core-deletion-lost-reminders', CORE_DELETE_COMPLETE, lostEvent);

    // Act
    const withSimulation = await replayJson(file, [...args, '--repeat-critical-every', '5m']);
    const without = await replayJson(file, [
      '--service-rule',
      SEED_RULE,
      '--until',
      UNTIL,
      '--repeat-critical-every',
      '5m',
    ]);

    // Assess
    expect(escalationsOf(withSimulation, CORE).map((n) => n.at)).toEqual([
      '2021-09-21T19:29:00Z',
      '2021-09-21T19:49:00Z',
      '2021-09-21T19:54:00Z',
    ]);
    // Without CloudFormation to ask, nothing tells the watchdog that the deletion ended.
    expect(escalationsOf(without, CORE).map((n) => n.at)).toEqual([
      '2021-09-21T19:29:00Z',
      '2021-09-21T19:49:00Z',
      '2021-09-21T19:54:00Z',
      '2021-09-21T19:59:00Z',
      '2021-09-21T20:04:00Z',
      '2021-09-21T20:09:00Z',
      '2021-09-21T20:14:00Z',
      '2021-09-21T20:19:00Z',
      '2021-09-21T20:24:00Z',
      '2021-09-21T20:29:00Z',
    ]);
  });

  // Depends on the domain dating a lost DELETE_COMPLETE when the stack was last seen (the last
  // sweep whose DescribeStacks still showed it: 19:56:00), not at its last event (19:09:00).
  it(
    'keeps the one window 19:09–20:07 and ends the deletion when last seen, 19:56:00 (the sample shipped in ' +
      'events/incidents/)',
    async () => {
      // Prepare: the shipped sample is exactly the seed with that line lost.
      const file = LOST_DELETE_SAMPLE;
      expect(readFileSync(file, 'utf8')).toBe(
        readFileSync(seedWith('seed-core-deletion-lost-window', CORE_DELETE_COMPLETE, lostEvent), 'utf8'),
      );

      // Act
      const output = await replayJson(file, args);

      // Assess
      expect(output.windows).toEqual([
        {
          account: '123456789012',
          region: 'eu-central-1',
          service: 'trustsource-core',
          start: '2021-09-21T19:09:00Z',
          end: '2021-09-21T20:07:00Z',
          peakSeverity: 'FAILED',
          stacks: ['trustsource-core-prod', 'trustsource-scan-prod', 'trustsource-scan-v2-prod'],
        },
      ]);
      expect(output.operations.find((o) => o.stackName === CORE)).toMatchObject({
        operation: 'DELETE',
        start: '2021-09-21T19:09:00Z',
        end: '2021-09-21T19:56:00Z',
        finalStatus: 'DELETE_COMPLETE',
        peakSeverity: 'CRITICAL',
      });
    },
  );

  it(
    'answers from an event not yet delivered: the DELETE_COMPLETE delivered at 20:20 is known to DescribeStacks ' +
      'from 19:56:30 on',
    async () => {
      // Prepare
      const file = seedWith('seed-core-deletion-late', CORE_DELETE_COMPLETE, (element) =>
        deliveredAt('2021-09-21T20:20:00Z', element),
      );

      // Act
      const withSimulation = await replayJson(file, args);
      const without = await replayJson(file, ['--service-rule', SEED_RULE, '--until', UNTIL]);

      // Assess
      const resolved = (output: ReplayOutput) =>
        output.notifications.filter((n) => n.stackName === CORE && n.severity === 'RESOLVED').map((n) => n.at);
      expect(resolved(withSimulation)).toEqual(['2021-09-21T19:57:00Z']);
      expect(resolved(without)).toEqual(['2021-09-21T20:20:00Z']);
      // The real event, once delivered, dates the end.
      expect(withSimulation.operations.find((o) => o.stackName === CORE)).toMatchObject({
        end: '2021-09-21T19:56:30Z',
        finalStatus: 'DELETE_COMPLETE',
      });
    },
  );
});

describe('lost events without --simulate-cloudformation', () => {
  it('change nothing: the output is that of the same file without the lost line', async () => {
    // Prepare
    const withLost = seedWith('seed-lost-no-simulation', CORE_DELETE_COMPLETE, lostEvent);
    const withoutLine = seedWith('seed-line-removed', CORE_DELETE_COMPLETE, () => undefined);

    // Act
    const fromLost = await replayJson(withLost, ['--service-rule', SEED_RULE, '--until', UNTIL]);
    const fromRemoved = await replayJson(withoutLine, ['--service-rule', SEED_RULE, '--until', UNTIL]);

    // Assess
    expect(fromLost).toEqual(fromRemoved);
    // Never delivered: the deletion never ends, nothing is resolved.
    expect(fromLost.operations.find((o) => o.stackName === CORE)).toMatchObject({ end: null, finalStatus: null });
    expect(fromLost.notifications.filter((n) => n.stackName === CORE).map((n) => n.severity)).toEqual([
      'WARNING',
      'CRITICAL',
    ]);
  });
});

describe("a nested stack whose parent's resource events were lost", () => {
  // nestedDeletionEvents(): index 2 and 9 are the root's ScanStack (AWS::CloudFormation::Stack) events.
  const elements = nestedDeletionEvents().map((element, index) =>
    index === 2 || index === 9 ? lostEvent(element) : element,
  );
  const until = ['--until', '2024-03-05T10:45:00Z'];

  it(
    "with --simulate-cloudformation: in its root's service, and the root's alert names what is stuck from " +
      'DescribeStackResources',
    async () => {
      // Prepare
      const file = writeEvents('nested-parent-lost', elements);

      // Act
      const output = await replayJson(file, [...until, '--simulate-cloudformation']);

      // Assess
      expect(output.notifications.map((n) => [n.at, n.severity, n.stackName])).toEqual([
        ['2024-03-05T10:20:00Z', 'WARNING', 'core-prod'],
        ['2024-03-05T10:38:10Z', 'RESOLVED', 'core-prod'],
      ]);
      expect(output.notifications[0]?.resourcesInProgress).toEqual(NESTED_DELETION_STUCK);
      expect(output.operations.map((o) => [o.stackName, o.service])).toEqual([
        ['core-prod', 'core-prod'],
        [NESTED.name, 'core-prod'],
      ]);
    },
  );

  it('without it: the nested stack is a root of its own, as if its parent had never named it', async () => {
    // Prepare
    const file = writeEvents('nested-parent-lost-no-simulation', elements);

    // Act
    const output = await replayJson(file, until);

    // Assess
    expect(output.operations.map((o) => [o.stackName, o.service])).toEqual([
      ['core-prod', 'core-prod'],
      [NESTED.name, NESTED.name],
    ]);
    expect(output.notifications[0]?.resourcesInProgress).toEqual([]);
  });
});

describe('replay --help', () => {
  it('lists --simulate-cloudformation and the lost element', async () => {
    // Act
    const run = await runCli(['replay', '--help']);

    // Assess
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--simulate-cloudformation');
    expect(run.stdout.replace(/\s+/g, ' ')).toContain('{"lost": true, "event": {...}}');
  });
});
