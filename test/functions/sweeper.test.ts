import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CloudFormationServiceException, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { ScheduledEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { viewOperations } from '../../shared/domain/operation-view.ts';
import { DEFAULT_CONFIG } from '../../shared/domain/config.ts';
import { stackArn, stackEvent } from '../support/events.ts';
import { REPO_ROOT } from '../support/shared-files.ts';
import { seedWindowClosedDetail } from '../support/window-events.ts';
import { lambdaContext, loadLambdas, mockedAws, type LoadedLambdas } from './lambda-harness.ts';

const aws = mockedAws();
const { sns, cloudFormation, eventBridge } = aws;
const stackEventsContext = lambdaContext('cfn-watchdog-StackEventsFunction');
const sweeperContext = lambdaContext('cfn-watchdog-SweeperFunction');
const MINUTE = 60_000;
const at = (iso: string): number => Date.parse(iso);

function scheduledEvent(time: number): ScheduledEvent {
  return {
    version: '0',
    id: `schedule-${time}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date(time).toISOString(),
    region: 'eu-central-1',
    resources: ['arn:aws:events:eu-central-1:123456789012:rule/cfn-watchdog-sweeper'],
    detail: {},
  };
}

/** DescribeStacks as CloudFormation would answer it, from the statuses the test delivered so far. */
function cloudFormationAnswersFrom(statuses: ReadonlyMap<string, string>): void {
  cloudFormation.on(DescribeStacksCommand).callsFake(({ StackName }: { StackName: string }) => ({
    Stacks: [
      {
        StackId: StackName,
        StackName: StackName.split('/')[1],
        StackStatus: statuses.get(StackName) ?? 'CREATE_IN_PROGRESS',
        CreationTime: new Date('2021-04-13T10:00:00Z'),
        Tags: [],
      },
    ],
  }));
}

beforeEach(() => {
  aws.reset();
  vi.useFakeTimers({ toFake: ['Date'] });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

/**
 * The handlers with `WATCHDOG_ON_TIME_ESCALATION` set to `onTime` under fake timers (Date and
 * setTimeout), after a deletion began at 10:00:12 that CloudFormation still reports; the sweeper's.
 */
async function deletionSince10h00m12s(onTime: string): Promise<LoadedLambdas['sweeper']> {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  const { stackEvents, sweeper } = await loadLambdas({ WATCHDOG_ON_TIME_ESCALATION: onTime });
  const hung = { name: 'billing', region: 'eu-central-1', uuid: '1d2e3f40-3a4b-11ee-9d8c-0f1e2d3c4b5a' };
  cloudFormationAnswersFrom(new Map([[stackArn(hung), 'DELETE_IN_PROGRESS']]));
  vi.setSystemTime(at('2025-06-03T10:00:13Z'));
  await stackEvents.handleStackEvent(stackEvent(hung, '2025-06-03T10:00:12Z', 'DELETE_IN_PROGRESS'));
  return sweeper;
}

describe('sweeper handler', () => {
  it(
    'pages the seed incident through both handlers: WARNING 19:29, FAILED 19:35:32, CRITICAL 19:49, RESOLVED ' +
      '19:56:30, one window 19:09–20:07',
    async () => {
      // Prepare
      const { stackEvents, sweeper, store } = await loadLambdas({
        WATCHDOG_SERVICE_RULES: 'trustsource-core=^trustsource-(core|scan)-',
      });
      const incident = readFileSync(path.join(REPO_ROOT, 'events/incidents/trustsource-2021-09-21.jsonl'), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as ReturnType<typeof stackEvent>);
      const statuses = new Map<string, string>();
      cloudFormationAnswersFrom(statuses);

      // Act: deliver every event at its time, sweep at every whole minute, as in production.
      let next = 0;
      for (let minute = at('2021-09-21T19:09:00Z'); minute <= at('2021-09-21T20:10:00Z'); minute += MINUTE) {
        for (let event = incident[next]; event && at(event.time) <= minute; event = incident[++next]) {
          vi.setSystemTime(at(event.time));
          if (event['detail-type'] === 'CloudFormation Stack Status Change')
            statuses.set(event.detail['stack-id'], event.detail['status-details'].status);
          await stackEvents.handler(event, stackEventsContext);
        }
        vi.setSystemTime(minute);
        await sweeper.handler(scheduledEvent(minute), sweeperContext);
      }

      // Assess
      const published = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
      expect(published.map((input) => input.Subject)).toEqual([
        '[WARNING] DELETE of trustsource-core-prod running for 20 min (trustsource-core, eu-central-1)',
        '[FAILED] CREATE of trustsource-scan-prod failed: ROLLBACK_COMPLETE (trustsource-core, eu-central-1)',
        '[CRITICAL] DELETE of trustsource-core-prod running for 40 min (trustsource-core, eu-central-1)',
        '[RESOLVED] DELETE of trustsource-core-prod finished after 47 min (trustsource-core, eu-central-1)',
      ]);
      expect(published.map((input) => input.MessageAttributes?.severity?.StringValue)).toEqual([
        'WARNING',
        'FAILED',
        'CRITICAL',
        'RESOLVED',
      ]);
      expect(published.map((input) => input.MessageStructure)).toEqual(['json', 'json', 'json', 'json']);
      const messages = published.map(
        (input) => JSON.parse(input.Message ?? '{}') as { default: string; email: string; https: string },
      );
      const warning = messages[0]?.email ?? '';
      expect(messages[0]?.default).toBe(warning);
      expect(warning).toContain('Elapsed:    20 min (as of 2021-09-21T19:29:00Z)');
      // What it likely is, and what to do (issue 6): the VPC function's network interfaces.
      expect(warning).toContain('Likely cause: The Lambda function ScanAnalysisFunction runs in a VPC');
      expect(warning).toContain("1. Wait, and do not delete the function's execution role");
      // The failed second deployment names the deletion that blocked it.
      expect(messages[1]?.email).toContain(
        'Likely cause: the deletion of stack trustsource-core-prod (in progress for 26 min when this failed), which ' +
          'still holds trustsource-scan-queue',
      );
      // Chat gets Chatbot's custom notifications, one thread per operation.
      const chat = messages.map(
        (message) =>
          JSON.parse(message.https) as {
            version: string;
            source: string;
            content: { title: string };
            metadata: { threadId: string };
          },
      );
      expect(chat.map((message) => [message.version, message.source])).toEqual(
        Array.from({ length: 4 }, () => ['1.0', 'custom']),
      );
      expect(chat[0]?.content.title).toBe(
        ':warning: [WARNING] DELETE of trustsource-core-prod running for 20 min (trustsource-core, eu-central-1)',
      );
      const threads = chat.map((message) => message.metadata.threadId);
      expect(threads[0]).toBe(threads[2]);
      expect(threads[0]).toBe(threads[3]);
      expect(threads[1]).not.toBe(threads[0]);
      expect(warning).toContain('Still in progress:\n  - ScanAnalysisFunction (AWS::Lambda::Function)');
      expect(warning).toContain(
        'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.',
      );
      // Each stack's tag read once, at its first event; the deleting stack also before its WARNING
      // (19:29) and, escalated, at every sweep until its deletion ended (19:30 to 19:56): 1 + 1 + 27.
      const asked = cloudFormation
        .commandCalls(DescribeStacksCommand)
        .map((call) => call.args[0].input.StackName?.split('/')[1] ?? '');
      const perStack = Object.fromEntries(
        [...new Set(asked)].map((name) => [name, asked.filter((other) => other === name).length]),
      );
      expect(perStack).toEqual({
        'trustsource-core-prod': 29,
        'trustsource-scan-prod': 1,
        'trustsource-scan-v2-prod': 1,
      });
      expect(asked.slice(0, 3)).toEqual(['trustsource-core-prod', 'trustsource-core-prod', 'trustsource-core-prod']);
      const windows = await store.windowsOverlapping({
        from: at('2021-09-21T00:00:00Z'),
        to: at('2021-09-22T00:00:00Z'),
      });
      expect(
        windows.map((window) => [
          new Date(window.start).toISOString(),
          window.end === null ? null : new Date(window.end).toISOString(),
          window.peakSeverity,
        ]),
      ).toEqual([['2021-09-21T19:09:00.000Z', '2021-09-21T20:07:00.000Z', 'FAILED']]);
      // Each page on the bus after it went (the FAILED and RESOLVED from the stack-events
      // function), and the recovery hand-off: opened with the first severity (the WARNING sweep),
      // closed at 20:07.
      const onBus = eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries?.[0]);
      expect(
        onBus.map((entry) => [
          entry?.EventBusName,
          entry?.Source,
          entry?.DetailType,
          (JSON.parse(entry?.Detail ?? '{}') as { severity?: string }).severity,
        ]),
      ).toEqual([
        ['default', 'cfn-watchdog', 'Deployment Escalated', 'WARNING'],
        ['default', 'cfn-watchdog', 'Impact Window Opened', undefined],
        ['default', 'cfn-watchdog', 'Deployment Escalated', 'FAILED'],
        ['default', 'cfn-watchdog', 'Deployment Escalated', 'CRITICAL'],
        ['default', 'cfn-watchdog', 'Deployment Resolved', 'RESOLVED'],
        ['default', 'cfn-watchdog', 'Impact Window Closed', undefined],
      ]);
      const handOff = onBus.filter((entry) => entry?.DetailType?.startsWith('Impact Window'));
      expect(JSON.parse(handOff[1]?.Detail ?? '{}')).toEqual(seedWindowClosedDetail());
      expect(JSON.parse(handOff[0]?.Detail ?? '{}')).toMatchObject({
        start: '2021-09-21T19:09:00Z',
        end: null,
        peakSeverity: 'WARNING',
      });
    },
  );

  it('closes the operation of a stack CloudFormation no longer knows, and pages nobody', async () => {
    // Prepare
    const { stackEvents, sweeper, store } = await loadLambdas();
    const gone = { name: 'reports', region: 'eu-central-1', uuid: '0c5d1e2f-3a4b-11ee-9d8c-0f1e2d3c4b5a' };
    cloudFormation.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'ValidationError',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: `Stack with id ${stackArn(gone)} does not exist`,
      }),
    );
    vi.setSystemTime(at('2025-06-03T22:00:42Z'));
    await stackEvents.handleStackEvent(
      stackEvent(gone, '2025-06-03T22:00:41Z', 'DELETE_IN_PROGRESS', 'User Initiated'),
    );

    // Act
    vi.setSystemTime(at('2025-06-03T22:21:00Z'));
    const result = await sweeper.handleSweep();

    // Assess
    expect(result.notifications).toEqual([]);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
    const { stacks } = await store.loadService({ account: '123456789012', region: 'eu-central-1', service: 'reports' });
    const [operation] = viewOperations(stacks, at('2025-06-03T22:21:00Z'), DEFAULT_CONFIG).map(
      (view) => view.operation,
    );
    expect(operation).toMatchObject({
      state: 'ended',
      type: 'DELETE',
      finalStatus: 'DELETE_COMPLETE',
      end: at('2025-06-03T22:00:41Z'),
    });
    // Closed at its last event, the deletion never reached a severity: no window, nothing left to sweep.
    expect(await store.servicesToSweep()).toEqual([]);
  });

  it(
    "notes each sweep's heartbeat, also one that swept but could not put an event on the bus (it failed, " +
      'escalation ran)',
    async () => {
      // Prepare: a stack hung past its WARNING, and the bus refusing the first event of the first
      // sweep (the WARNING's).
      const { stackEvents, sweeper, store } = await loadLambdas();
      const hung = { name: 'billing', region: 'eu-central-1', uuid: '1d2e3f40-3a4b-11ee-9d8c-0f1e2d3c4b5a' };
      cloudFormationAnswersFrom(new Map());
      vi.setSystemTime(at('2025-06-03T10:00:01Z'));
      await stackEvents.handleStackEvent(
        stackEvent(hung, '2025-06-03T10:00:00Z', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      );
      eventBridge
        .on(PutEventsCommand)
        .rejectsOnce(new Error('AccessDeniedException'))
        .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

      // Act
      vi.setSystemTime(at('2025-06-03T10:21:00Z'));
      const failed = sweeper.handleSweep();
      await expect(failed).rejects.toThrow(/could not be sent/);
      const afterFailure = await store.lastSweepHeartbeat();
      vi.setSystemTime(at('2025-06-03T10:22:00Z'));
      await sweeper.handleSweep();

      // Assess: the sweeper runs and escalates; the failed send is its Errors alarm's to tell.
      expect(afterFailure).toBe(at('2025-06-03T10:21:00Z'));
      expect(await store.lastSweepHeartbeat()).toBe(at('2025-06-03T10:22:00Z'));
    },
  );

  it(
    'waits within the invocation for a threshold falling due and pages at its second (OnTimeEscalation, on by ' +
      'default), within the time the invocation has',
    async () => {
      // Prepare: a deletion since 10:00:12; the sweep begins at 10:20:00 with 58 s to go.
      const sweeper = await deletionSince10h00m12s('');
      vi.setSystemTime(at('2025-06-03T10:20:00Z'));
      const endsAt = Date.now() + 58_000;

      // Act: time moves on once the sweep waits on its timer (its DynamoDB calls are real I/O, each
      // with the SDK's own 3 s socket-warning timer).
      const timeouts = vi.spyOn(globalThis, 'setTimeout');
      let done = false;
      const sweeping = sweeper
        .handleSweep(() => endsAt - Date.now())
        .then((result) => {
          done = true;
          return result;
        });
      const waitsFor = (): number | undefined =>
        timeouts.mock.calls.map(([, delay]) => delay ?? 0).find((delay) => delay > 3_000);
      while (waitsFor() === undefined && !done) await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(11_999);
      const beforeItsSecond = sns.commandCalls(PublishCommand).length;
      await vi.advanceTimersByTimeAsync(1);
      const result = await sweeping;

      // Assess
      expect(waitsFor()).toBe(12_000);
      expect(beforeItsSecond).toBe(0);
      expect(result.notifications.map((sent) => [sent.severity, new Date(sent.at).toISOString()])).toEqual([
        ['WARNING', '2025-06-03T10:20:12.000Z'],
      ]);
      const [published] = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
      expect(JSON.parse(published?.Message ?? '{}').email).toContain('Elapsed:    20 min (as of 2025-06-03T10:20:12Z)');
    },
  );

  it('returns at once when nothing falls due within the minute, with OnTimeEscalation on', async () => {
    // Prepare: a deletion since 10:00:12, swept at 10:10:00.
    const sweeper = await deletionSince10h00m12s('true');
    vi.setSystemTime(at('2025-06-03T10:10:00Z'));
    const timeouts = vi.spyOn(globalThis, 'setTimeout');

    // Act: no timer is advanced; a sweep that waited would never end.
    const result = await sweeper.handleSweep(() => 58_000);

    // Assess
    expect(result.notifications).toEqual([]);
    expect(timeouts.mock.calls.map(([, delay]) => delay ?? 0).filter((delay) => delay > 3_000)).toEqual([]);
  });

  it('waits for nothing when OnTimeEscalation is false: the next sweep pages', async () => {
    // Prepare
    const sweeper = await deletionSince10h00m12s('false');
    vi.setSystemTime(at('2025-06-03T10:20:00Z'));

    // Act: no timer is advanced; a sweep that waited would never end.
    const result = await sweeper.handleSweep(() => 58_000);
    vi.setSystemTime(at('2025-06-03T10:21:00Z'));
    const next = await sweeper.handleSweep(() => 58_000);

    // Assess
    expect(result.notifications).toEqual([]);
    expect(next.notifications.map((sent) => [sent.severity, new Date(sent.at).toISOString()])).toEqual([
      ['WARNING', '2025-06-03T10:21:00.000Z'],
    ]);
  });
});
