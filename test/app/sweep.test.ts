/**
 * sweep, the sweeper Lambda's use case (and the replay's whole-minute sweeps), over a real
 * (embedded) DynamoDB, with a virtual clock.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../shared/app/apply-event.ts';
import type { StackInspector } from '../../shared/app/ports.ts';
import type { StackDescription } from '../../shared/domain/reconcile.ts';
import { sweep } from '../../shared/app/sweep.ts';
import { configFromText, DEFAULT_CONFIG } from '../../shared/domain/config.ts';
import type { Notification } from '../../shared/domain/notification.ts';
import { stackArn } from '../support/events.ts';
import { freshStore } from '../support/dynamodb.ts';
import { countingStore } from '../support/counting-store.ts';
import { claimsIn, iso, serviceKey, serviceViewIn, t, toSweep } from '../support/states.ts';
import { resourceStatus, stackStatus, watchdog, type Watchdog } from '../support/watchdog.ts';

const api = { name: 'api' };
const apiArn = stackArn(api);
const apiKey = serviceKey('api');

/** Sweeps at each minute and returns the severities each sweep sent. */
async function sweepAt(dog: Watchdog, minutes: readonly string[]): Promise<string[][]> {
  const sent: string[][] = [];
  for (const minute of minutes) {
    dog.clock.set(iso(minute));
    const result = await sweep(dog.deps);
    sent.push(result.notifications.map((notification) => notification.severity));
  }
  return sent;
}

/** Runs a sweep that is expected to fail (a publish failed), returning its error message. */
async function failingSweepAt(dog: Watchdog, minute: string): Promise<string> {
  dog.clock.set(iso(minute));
  try {
    await sweep(dog.deps);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return 'no error';
}

const brief = (notification: Notification): string =>
  `${notification.severity} ${notification.stackName} at ${new Date(notification.at).toISOString().slice(11, 19)}`;

describe('sweep', () => {
  it('does nothing when no service is open', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:20') });

    // Act
    const result = await sweep(dog.deps);

    // Assess
    expect(result).toEqual({ servicesSwept: 0, openOperations: 0, notifications: [], windowEvents: 0, deferred: 0 });
  });

  it.each([
    {
      timeline: 'WARNING at the first sweep at 20 min, CRITICAL at the first at 40 min, nothing repeated',
      sweeps: ['10:10', '10:19:59', '10:20', '10:21', '10:39:59', '10:40', '10:41', '11:30'],
      expected: [[], [], ['WARNING'], [], [], ['CRITICAL'], [], []],
    },
    {
      timeline: 'only CRITICAL when the first sweep is already past 40 min',
      sweeps: ['10:45', '10:46', '12:00'],
      expected: [['CRITICAL'], [], []],
    },
    {
      timeline: 'WARNING late (25 min) still once, then CRITICAL',
      sweeps: ['10:25', '10:26', '10:50', '10:51'],
      expected: [['WARNING'], [], ['CRITICAL'], []],
    },
    {
      timeline: 'nothing before the warn threshold',
      sweeps: ['10:01', '10:05', '10:19'],
      expected: [[], [], []],
    },
  ])('escalates an operation started at 10:00: $timeline', async ({ sweeps, expected }) => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);

    // Act
    const sent = await sweepAt(dog, sweeps);

    // Assess
    expect(sent).toEqual(expected);
    expect(dog.notifier.sent.map((notification) => notification.severity)).toEqual(expected.flat());
  });

  it(
    'names the stack, the operation, its latest status, start, elapsed time and the resources still in ' + 'progress',
    async () => {
      // Prepare
      const { store } = await freshStore();
      const dog = watchdog(store, { now: iso('10:00') });
      const events = [
        resourceStatus(api, iso('09:00'), 'LeftOver', 'CREATE_IN_PROGRESS'), // before the operation: not named
        stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS', 'User Initiated'),
        resourceStatus(api, iso('10:02'), 'ScanQueue', 'UPDATE_IN_PROGRESS', { type: 'AWS::SQS::Queue' }),
        resourceStatus(api, iso('10:05'), 'ScanQueue', 'UPDATE_COMPLETE', { type: 'AWS::SQS::Queue' }),
        stackStatus(api, iso('10:12'), 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
        resourceStatus(api, iso('10:13'), 'ScanAnalysisFunction', 'DELETE_IN_PROGRESS', {
          physicalId: 'api-ScanAnalysisFunction-1AB2',
        }),
      ];
      for (const event of events) await applyEvent(event, dog.deps);
      dog.clock.set(iso('10:20'));

      // Act
      const result = await sweep(dog.deps);

      // Assess
      const warning: Notification = {
        at: t('10:20'),
        severity: 'WARNING',
        reminder: 0,
        stackId: apiArn,
        stackName: 'api',
        account: '123456789012',
        region: 'eu-west-1',
        service: 'api',
        operation: 'UPDATE',
        status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
        statusReason: '',
        statusAt: t('10:12'),
        startedAt: t('10:00'),
        incidentStart: t('10:00'),
        elapsedMs: 20 * 60_000,
        resourcesInProgress: [
          {
            logicalResourceId: 'ScanAnalysisFunction',
            physicalResourceId: 'api-ScanAnalysisFunction-1AB2',
            resourceType: 'AWS::Lambda::Function',
            status: 'DELETE_IN_PROGRESS',
            statusReason: '',
            since: t('10:13'),
          },
        ],
        diagnosis: [],
        blockedBy: null,
      };
      // Resources compared field by field here; their exact shape is checked below. Without
      // CloudFormation's words for it, a function deleting is not taken for the VPC ENI case.
      expect(result).toEqual({
        servicesSwept: 1,
        openOperations: 1,
        windowEvents: 1,
        deferred: 0,
        notifications: [{ ...warning, resourcesInProgress: [expect.objectContaining(warning.resourcesInProgress[0])] }],
      });
      expect(result.notifications[0]?.resourcesInProgress).toHaveLength(1);
      expect(dog.notifier.sent).toEqual(result.notifications);
      expect(await claimsIn(store, apiKey)).toEqual([
        {
          stackId: apiArn,
          anchor: t('10:00'),
          operation: 'UPDATE',
          severity: 'WARNING',
          claimedAt: t('10:20'),
          delivery: { state: 'sent', at: t('10:20') },
          bus: { state: 'sent', at: t('10:20') },
        },
      ]);
    },
  );

  it('names each resource with exactly the fields of a ResourceInProgress', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
    await applyEvent(
      resourceStatus(api, iso('10:01'), 'Fn', 'DELETE_IN_PROGRESS', { physicalId: 'api-Fn-1' }),
      dog.deps,
    );
    dog.clock.set(iso('10:20'));

    // Act
    await sweep(dog.deps);

    // Assess
    expect(dog.notifier.sent[0]?.resourcesInProgress).toEqual([
      {
        logicalResourceId: 'Fn',
        physicalResourceId: 'api-Fn-1',
        resourceType: 'AWS::Lambda::Function',
        status: 'DELETE_IN_PROGRESS',
        statusReason: '',
        since: t('10:01'),
      },
    ]);
  });

  it('uses the thresholds of the operation’s type', async () => {
    // Prepare
    const { store } = await freshStore();
    const config = configFromText({ thresholds: 'DELETE=5m/10m,*=20m/40m' });
    const dog = watchdog(store, { now: iso('10:00'), config });
    await applyEvent(stackStatus({ name: 'old' }, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
    await applyEvent(stackStatus({ name: 'new' }, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);

    // Act
    await sweepAt(dog, ['10:04', '10:05', '10:10', '10:20', '10:40']);

    // Assess
    expect(dog.notifier.sent.map(brief)).toEqual([
      'WARNING old at 10:05:00',
      'CRITICAL old at 10:10:00',
      'WARNING new at 10:20:00',
      'CRITICAL new at 10:40:00',
    ]);
  });

  it('sends the notifications of one sweep by start time, then stack id', async () => {
    // Prepare: the services' own order (a-svc, z-svc, zeta) differs from the expected one.
    const { store } = await freshStore();
    const config = configFromText({ serviceRules: ['a-svc=^beta$', 'z-svc=^alpha$'] });
    const dog = watchdog(store, { now: iso('10:00'), config });
    await applyEvent(stackStatus({ name: 'beta' }, iso('10:01'), 'UPDATE_IN_PROGRESS'), dog.deps);
    await applyEvent(stackStatus({ name: 'alpha' }, iso('10:01'), 'UPDATE_IN_PROGRESS'), dog.deps);
    await applyEvent(stackStatus({ name: 'zeta' }, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:21'));

    // Act
    const result = await sweep(dog.deps);

    // Assess
    expect(result.notifications.map(brief)).toEqual([
      'WARNING zeta at 10:21:00',
      'WARNING alpha at 10:21:00',
      'WARNING beta at 10:21:00',
    ]);
    // Published concurrently: in any order, each once.
    expect(dog.notifier.sent.map(brief).sort()).toEqual(result.notifications.map(brief).sort());
    expect([result.servicesSwept, result.openOperations]).toEqual([3, 3]);
  });

  it('keeps the claim pending when the publish fails, and re-sends it once after the lease', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), fails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);

    // Act
    const error = await failingSweepAt(dog, '10:20');
    const pending = await claimsIn(store, apiKey);
    const later = await sweepAt(dog, ['10:21', '10:21:59', '10:22', '10:23', '10:30']);

    // Assess
    expect(error).toContain('SNS publish failed (attempt 1)');
    expect(pending).toEqual([
      {
        stackId: apiArn,
        anchor: t('10:00'),
        operation: 'UPDATE',
        severity: 'WARNING',
        claimedAt: t('10:20'),
        delivery: { state: 'pending' },
        bus: { state: 'pending' },
      },
    ]);
    expect(later).toEqual([[], [], ['WARNING'], [], []]);
    expect(dog.notifier.attempts.map(brief)).toEqual(['WARNING api at 10:20:00', 'WARNING api at 10:22:00']);
    expect(dog.notifier.sent).toEqual([
      expect.objectContaining({ severity: 'WARNING', at: t('10:22'), startedAt: t('10:00'), elapsedMs: 22 * 60_000 }),
    ]);
    expect(await claimsIn(store, apiKey)).toEqual([
      {
        stackId: apiArn,
        anchor: t('10:00'),
        operation: 'UPDATE',
        severity: 'WARNING',
        claimedAt: t('10:22'),
        delivery: { state: 'sent', at: t('10:22') },
        bus: { state: 'sent', at: t('10:22') },
      },
    ]);
    // The page first: its event was not put while the page had not gone.
    expect(dog.escalations.attempts.map(brief)).toEqual(['WARNING api at 10:22:00']);
  });

  it('waits for the configured lease before re-sending', async () => {
    // Prepare
    const { store } = await freshStore();
    const config = { ...DEFAULT_CONFIG, sendLeaseMs: 5 * 60_000 };
    const dog = watchdog(store, { now: iso('10:00'), config, fails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    await failingSweepAt(dog, '10:20');

    // Act
    const later = await sweepAt(dog, ['10:22', '10:24', '10:25', '10:26']);

    // Assess
    expect(later).toEqual([[], [], ['WARNING'], []]);
  });

  it('still escalates to CRITICAL after a WARNING that needed a re-send', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), fails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    await failingSweepAt(dog, '10:20');

    // Act
    await sweepAt(dog, ['10:22', '10:40', '10:41']);

    // Assess
    expect(dog.notifier.sent.map(brief)).toEqual(['WARNING api at 10:22:00', 'CRITICAL api at 10:40:00']);
  });

  it('re-sends a FAILED whose publish failed in the stack-events handler, once, after the lease', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), fails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'CREATE_IN_PROGRESS'), dog.deps);
    const failure = stackStatus(api, iso('10:03'), 'CREATE_FAILED', 'Resource creation cancelled');
    dog.clock.set(iso('10:03'));
    await expect(applyEvent(failure, dog.deps)).rejects.toThrow('SNS publish failed');

    // Act
    dog.clock.set(iso('10:04'));
    const redelivered = await applyEvent(failure, dog.deps); // EventBridge retries the failed invocation
    const later = await sweepAt(dog, ['10:04', '10:05', '10:06', '10:30']);

    // Assess
    expect(redelivered).toEqual({ kind: 'duplicate', key: apiKey });
    expect(later).toEqual([[], ['FAILED'], [], []]);
    expect(dog.notifier.sent).toEqual([
      expect.objectContaining({
        severity: 'FAILED',
        at: t('10:05'),
        status: 'CREATE_FAILED',
        statusReason: 'Resource creation cancelled',
        startedAt: t('10:00'),
      }),
    ]);
    expect(await toSweep(store)).toEqual([]);
  });

  it('names the resources still in progress also in a re-sent notification', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), fails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
    await applyEvent(resourceStatus(api, iso('10:01'), 'ScanAnalysisFunction', 'DELETE_IN_PROGRESS'), dog.deps);
    await failingSweepAt(dog, '10:20');

    // Act
    await sweepAt(dog, ['10:22']);

    // Assess
    expect(dog.notifier.attempts[0]?.resourcesInProgress.map((resource) => resource.logicalResourceId)).toEqual([
      'ScanAnalysisFunction',
    ]);
    expect(
      dog.notifier.sent.map((sent) => sent.resourcesInProgress.map((resource) => resource.logicalResourceId)),
    ).toEqual([['ScanAnalysisFunction']]);
  });

  it('still sends the other services’ WARNING at the first sweep when one publish fails', async () => {
    // Prepare
    const { store } = await freshStore();
    // a's first publish fails, whichever of the two escalations (run side by side) publishes first.
    const failsOnce = new Set(['a']);
    const dog = watchdog(store, {
      now: iso('10:00'),
      fails: (_attempt, notification) => failsOnce.delete(notification.stackName),
    });
    await applyEvent(stackStatus({ name: 'a' }, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    await applyEvent(stackStatus({ name: 'b' }, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);

    // Act
    await failingSweepAt(dog, '10:20');
    await sweepAt(dog, ['10:21', '10:22']);

    // Assess
    expect(dog.notifier.sent.map(brief)).toEqual(['WARNING b at 10:20:00', 'WARNING a at 10:22:00']);
  });

  it('closes a window waiting for a replacement when the grace runs out, by the clock alone', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:25'));
    await applyEvent(stackStatus(api, iso('10:25'), 'DELETE_COMPLETE'), dog.deps);
    const window = { key: apiKey, start: t('10:00'), peakSeverity: 'WARNING', stacks: ['api'] };

    // Act
    await sweepAt(dog, ['11:24']);
    const beforeGraceEnds = await store.windowsOverlapping({ from: t('10:00'), to: t('12:00') });
    const openBefore = await toSweep(store);
    await sweepAt(dog, ['11:25']);
    const afterGraceEnds = await store.windowsOverlapping({ from: t('10:00'), to: t('12:00') });

    // Assess
    expect(beforeGraceEnds).toEqual([{ ...window, end: null, awaitingReplacementSince: t('10:25') }]);
    expect(openBefore).toEqual([apiKey]);
    expect(afterGraceEnds).toEqual([{ ...window, end: t('10:25'), awaitingReplacementSince: null }]);
    expect(await toSweep(store)).toEqual([]);
    expect(dog.notifier.sent).toEqual([]);
  });
});

describe('sweep re-sending a notification whose publish failed', () => {
  it('drops a failed WARNING instead of sending it after its operation completed', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), fails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
    await failingSweepAt(dog, '10:20');
    dog.clock.set(iso('10:21:30'));
    await applyEvent(stackStatus(api, iso('10:21:30'), 'DELETE_COMPLETE'), dog.deps);

    // Act
    const later = await sweepAt(dog, ['10:22', '10:25']);

    // Assess: the WARNING was in flight when the deletion ended, so RESOLVED went out; never a WARNING after it.
    expect(later).toEqual([[], []]);
    expect(dog.notifier.sent.map(brief)).toEqual(['RESOLVED api at 10:21:30']);
    expect((await claimsIn(store, apiKey)).map((claim) => claim.severity)).toEqual(['RESOLVED']);
  });

  it('drops a failed WARNING once a CRITICAL went out for the operation', async () => {
    // Prepare
    const { store } = await freshStore();
    const config = configFromText({ thresholds: '*=20m/21m' });
    const dog = watchdog(store, { now: iso('10:00'), config, fails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
    await failingSweepAt(dog, '10:20');

    // Act
    const later = await sweepAt(dog, ['10:21', '10:22', '10:30']);

    // Assess
    expect(later).toEqual([['CRITICAL'], [], []]);
    expect(dog.notifier.sent.map(brief)).toEqual(['CRITICAL api at 10:21:00']);
    expect((await claimsIn(store, apiKey)).map((claim) => [claim.severity, claim.delivery])).toEqual([
      ['CRITICAL', { state: 'sent', at: t('10:21') }],
    ]);
  });
});

describe('sweep with a stack inspector (DescribeStacks)', () => {
  function inspector(answer: StackDescription): StackInspector & { asked: string[] } {
    const asked: string[] = [];
    return {
      asked,
      async describe(stackId) {
        asked.push(stackId);
        return answer;
      },
    };
  }

  it.each([
    {
      case: 'a deleting stack that no longer exists is closed as DELETE_COMPLETE at its last event',
      start: 'DELETE_IN_PROGRESS',
      answer: { exists: false } as const,
      expected: [{ type: 'DELETE', state: 'ended', end: t('10:00'), finalStatus: 'DELETE_COMPLETE' }],
    },
    {
      case: 'an updating stack that moved on to UPDATE_COMPLETE is closed when the sweep learned of it',
      start: 'UPDATE_IN_PROGRESS',
      answer: { exists: true, status: 'UPDATE_COMPLETE', statusReason: '', lastUpdatedAt: t('10:00') } as const,
      expected: [{ type: 'UPDATE', state: 'ended', end: t('10:20'), finalStatus: 'UPDATE_COMPLETE' }],
    },
    {
      case: 'an updating stack that no longer exists ends with a DELETE_COMPLETE',
      start: 'UPDATE_IN_PROGRESS',
      answer: { exists: false } as const,
      expected: [
        { type: 'UPDATE', state: 'abandoned' },
        { type: 'DELETE', state: 'ended', end: t('10:00'), finalStatus: 'DELETE_COMPLETE' },
      ],
    },
  ])('pages nobody when CloudFormation says the operation is over: $case', async ({ start, answer, expected }) => {
    // Prepare
    const { store } = await freshStore();
    const cloudFormation = inspector(answer);
    const dog = watchdog(store, { now: iso('10:00'), inspector: cloudFormation });
    await applyEvent(stackStatus(api, iso('10:00'), start), dog.deps);

    // Act
    const sent = await sweepAt(dog, ['10:20', '10:40']);

    // Assess
    expect(sent).toEqual([[], []]);
    expect(cloudFormation.asked).toEqual([apiArn]);
    const view = await serviceViewIn(store, apiKey, t('10:40'));
    expect(view.operations.map(({ operation }) => operation)).toEqual(
      expected.map((item) => expect.objectContaining(item)),
    );
    expect(await toSweep(store)).toEqual([]);
    expect(dog.log.entries).toEqual([
      expect.objectContaining({ level: 'info', attributes: expect.objectContaining({ stackId: apiArn }) }),
    ]);
  });

  it(
    'keeps a hung deletion whose DELETE_COMPLETE was lost as long as it was last seen: WARNING, CRITICAL, ' +
      'RESOLVED, its window',
    async () => {
      // Prepare: the seed incident's deletion, 45 minutes; its DELETE_COMPLETE (10:45:30) never arrives.
      const { store } = await freshStore();
      let gone = false;
      const cloudFormation: StackInspector & { asked: string[] } = {
        asked: [],
        async describe(stackId) {
          this.asked.push(stackId);
          return gone
            ? { exists: false }
            : { exists: true, status: 'DELETE_IN_PROGRESS', statusReason: '', lastUpdatedAt: t('10:00') };
        },
      };
      const dog = watchdog(store, { now: iso('10:00'), inspector: cloudFormation });
      await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
      const minutes = Array.from({ length: 46 }, (_, i) => `10:${String(i + 1).padStart(2, '0')}`);

      // Act
      for (const minute of minutes) {
        // DescribeStacks last shows the stack at the 10:45 sweep; it is gone by 10:46.
        gone = minute === '10:46';
        await sweepAt(dog, [minute]);
      }
      // No replacement within the grace (60 min): the window closes at the deletion's end.
      await sweepAt(dog, ['11:46']);

      // Assess
      expect(dog.notifier.sent.map(brief)).toEqual([
        'WARNING api at 10:20:00',
        'CRITICAL api at 10:40:00',
        'RESOLVED api at 10:46:00',
      ]);
      const view = await serviceViewIn(store, apiKey, t('12:00'));
      expect(
        view.operations.map(({ operation, severity }) => [
          operation.state,
          operation.start,
          operation.state === 'ended' ? operation.end : null,
          severity,
        ]),
      ).toEqual([['ended', t('10:00'), t('10:45'), 'CRITICAL']]);
      expect(view.windows.map((window) => [window.start, window.end, window.peakSeverity])).toEqual([
        [t('10:00'), t('10:45'), 'CRITICAL'],
      ]);
      expect(
        dog.windowEvents.sent.map((event) => [event.detailType, event.detail.end, event.detail.withdrawn]),
      ).toEqual([
        ['Impact Window Opened', null, false],
        ['Impact Window Closed', '2024-03-05T10:45:00Z', false],
      ]);
      // The made-up DELETE_COMPLETE is in the stack's timeline, marked as such, for the postmortem.
      expect(
        (await store.stackHistory(apiArn)).map((event) => [
          event.status,
          event.kind === 'stack-status' && event.synthetic !== undefined,
        ]),
      ).toEqual([
        ['DELETE_IN_PROGRESS', false],
        ['DELETE_COMPLETE', true],
      ]);
    },
  );

  it(
    "dates what DescribeStacks says when it answered: a DELETE_COMPLETE dated between the sweep's start and the " +
      "answer takes the made-up one's place",
    async () => {
      // Prepare: DescribeStacks takes 2 s to answer; the stack is deleted at 10:45:01.
      const { store } = await freshStore();
      const dog = watchdog(store, { now: iso('10:00') });
      const cloudFormation: StackInspector = {
        async describe() {
          dog.clock.set(new Date(dog.clock.now + 2_000).toISOString());
          return dog.clock.now >= t('10:45:01')
            ? { exists: false }
            : { exists: true, status: 'DELETE_IN_PROGRESS', statusReason: '', lastUpdatedAt: t('10:00') };
        },
      };
      const deps = { ...dog.deps, inspector: cloudFormation };
      await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), deps);
      for (const minute of ['10:20', '10:21', '10:44', '10:45']) {
        dog.clock.set(iso(minute));
        await sweep(deps);
      }

      // Act: the real DELETE_COMPLETE arrives late.
      dog.clock.set(iso('10:50'));
      await applyEvent(stackStatus(api, iso('10:45:01'), 'DELETE_COMPLETE'), deps);

      // Assess: one deletion, ending at its real DELETE_COMPLETE (the made-up one said 10:44:02).
      const view = await serviceViewIn(store, apiKey, t('11:00'));
      expect(
        view.operations.map(({ operation }) => [
          operation.type,
          operation.start,
          operation.state === 'ended' ? operation.end : null,
        ]),
      ).toEqual([['DELETE', t('10:00'), t('10:45:01')]]);
    },
  );

  it.each([{ status: 'UPDATE_IN_PROGRESS' }, { status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' }])(
    'sends the WARNING when CloudFormation confirms the stack is still in progress ($status)',
    async ({ status }) => {
      // Prepare
      const { store } = await freshStore();
      const cloudFormation = inspector({ exists: true, status, statusReason: '', lastUpdatedAt: t('10:00') });
      const dog = watchdog(store, { now: iso('10:00'), inspector: cloudFormation });
      await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);

      // Act
      const sent = await sweepAt(dog, ['10:20', '10:21']);

      // Assess
      expect(sent).toEqual([['WARNING'], []]);
      // Asked before the WARNING, and again at the next sweep: an escalated operation is watched.
      expect(cloudFormation.asked).toEqual([apiArn, apiArn]);
      expect(dog.notifier.sent).toEqual([
        expect.objectContaining({ severity: 'WARNING', stackId: apiArn, status: 'UPDATE_IN_PROGRESS', at: t('10:20') }),
      ]);
    },
  );

  it('still pages, without the resources, when DescribeStackResources fails', async () => {
    // Prepare
    const { store } = await freshStore();
    const cloudFormation = {
      ...inspector({ exists: true, status: 'DELETE_IN_PROGRESS', statusReason: '', lastUpdatedAt: t('10:00') }),
      resourcesInProgress: async (): Promise<never> => {
        throw Object.assign(new Error('User is not authorized to perform: cloudformation:DescribeStackResources'), {
          name: 'AccessDenied',
        });
      },
    };
    const dog = watchdog(store, { now: iso('10:00'), inspector: cloudFormation });
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);

    // Act
    await sweepAt(dog, ['10:20']);

    // Assess
    expect(dog.notifier.sent.map((sent) => [sent.severity, sent.resourcesInProgress])).toEqual([['WARNING', []]]);
    expect(dog.log.entries.map((entry) => entry.message)).toContain(
      'could not read what is stuck or why; the notification goes out without it',
    );
  });

  it('closes a muted operation whose completion was lost, so that its window closes', async () => {
    // Prepare: a muted deletion past its warn threshold; CloudFormation says the stack is gone.
    const { store } = await freshStore();
    const cloudFormation = inspector({ exists: false });
    const dog = watchdog(store, {
      now: iso('10:00'),
      inspector: cloudFormation,
      config: configFromText({ mutes: ['^api$'], grace: '10m' }),
    });
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);

    // Act
    await sweepAt(dog, ['10:20', '10:21']);

    // Assess
    expect(dog.notifier.sent).toEqual([]);
    const [operation] = (await serviceViewIn(store, apiKey, t('10:21'))).operations.map((view) => view.operation);
    expect(operation).toMatchObject({ state: 'ended', finalStatus: 'DELETE_COMPLETE' });
  });

  it(
    'names what is stuck from DescribeStackResources when no resource event came, and the cause it is ' + 'known for',
    async () => {
      // Prepare: only the stack's own event arrived; CloudFormation knows the function is deleting.
      const { store } = await freshStore();
      const deleting = {
        logicalResourceId: 'ScanAnalysisFunction',
        physicalResourceId: 'api-Fn-1',
        resourceType: 'AWS::Lambda::Function',
        status: 'DELETE_IN_PROGRESS',
        statusReason:
          'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.',
        since: t('10:01'),
      };
      const cloudFormation = {
        ...inspector({ exists: true, status: 'DELETE_IN_PROGRESS', statusReason: '', lastUpdatedAt: t('10:00') }),
        resourcesInProgress: async () => [deleting],
      };
      const dog = watchdog(store, { now: iso('10:00'), inspector: cloudFormation });
      await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);

      // Act
      await sweepAt(dog, ['10:20']);

      // Assess
      expect(
        dog.notifier.sent.map((sent) => [
          sent.severity,
          sent.resourcesInProgress,
          sent.diagnosis.map((found) => found.id),
        ]),
      ).toEqual([['WARNING', [deleting], ['lambda-vpc-eni-cleanup']]]);
    },
  );

  it(
    'closes an escalated operation whose completion event was lost, at the time CloudFormation gives, and sends ' +
      'RESOLVED',
    async () => {
      // Prepare: the WARNING went out at 10:20; UPDATE_COMPLETE at 10:33:10 never arrives.
      const { store } = await freshStore();
      let answer: StackDescription = {
        exists: true,
        status: 'UPDATE_IN_PROGRESS',
        statusReason: '',
        lastUpdatedAt: t('10:00'),
      };
      const cloudFormation: StackInspector & { asked: string[] } = {
        asked: [],
        async describe(stackId) {
          this.asked.push(stackId);
          return answer;
        },
      };
      const dog = watchdog(store, { now: iso('10:00'), inspector: cloudFormation });
      await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
      await sweepAt(dog, ['10:20', '10:30']);
      answer = {
        exists: true,
        status: 'UPDATE_COMPLETE',
        statusReason: '',
        lastUpdatedAt: t('10:00'),
        statusSince: t('10:33:10'),
      };

      // Act
      const sent = await sweepAt(dog, ['10:34', '10:35', '10:41']);

      // Assess
      expect(sent).toEqual([['RESOLVED'], [], []]);
      const view = await serviceViewIn(store, apiKey, t('10:41'));
      expect(view.operations.map(({ operation }) => operation)).toEqual([
        expect.objectContaining({
          state: 'ended',
          start: t('10:00'),
          end: t('10:33:10'),
          finalStatus: 'UPDATE_COMPLETE',
        }),
      ]);
      expect(dog.notifier.sent.map((n) => [n.severity, n.at])).toEqual([
        ['WARNING', t('10:20')],
        ['RESOLVED', t('10:34')],
      ]);
      expect(await toSweep(store)).toEqual([]);
      // Asked before the WARNING (10:20), then at each sweep (10:30, 10:34); once closed, no more.
      expect(cloudFormation.asked).toHaveLength(3);
    },
  );
});

describe('sweep with CRITICAL reminders', () => {
  it('sends each reminder once, also when two sweeps overlap, and none after the operation ended', async () => {
    // Prepare: reminders every 30 minutes; a deletion since 10:00.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), config: configFromText({ repeatCriticalEvery: '30m' }) });
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);

    // Act
    for (const minute of ['10:20', '10:40', '11:09', '11:10', '11:40']) {
      dog.clock.set(iso(minute));
      await Promise.all([sweep(dog.deps), sweep(dog.deps)]);
    }
    dog.clock.set(iso('11:45'));
    await applyEvent(stackStatus(api, iso('11:45'), 'DELETE_COMPLETE'), dog.deps);
    dog.clock.set(iso('12:10'));
    await sweep(dog.deps);

    // Assess
    expect(
      dog.notifier.sent.map((sent) => [new Date(sent.at).toISOString().slice(11, 16), sent.severity, sent.reminder]),
    ).toEqual([
      ['10:20', 'WARNING', 0],
      ['10:40', 'CRITICAL', 0],
      ['11:10', 'CRITICAL', 1],
      ['11:40', 'CRITICAL', 2],
      ['11:45', 'RESOLVED', 0],
    ]);
    // A reminder stands in for the one before: the item does not grow by a claim per interval.
    expect((await claimsIn(store, apiKey)).map((claim) => [claim.severity, claim.repeat ?? 0])).toEqual([
      ['WARNING', 0],
      ['CRITICAL', 0],
      ['CRITICAL', 2],
      ['RESOLVED', 0],
    ]);
  });
});

describe('sweep request budget', () => {
  it(
    'reads what to sweep, the service and its open window, and writes nothing when nothing is due and no window ' +
      'changed',
    async () => {
      // Prepare: a deletion past WARNING (sent), its window open; the next minute brings nothing new.
      const { store, requests } = await countingStore();
      const dog = watchdog(store, { now: iso('10:00') });
      await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
      await sweepAt(dog, ['10:20', '10:21']);
      requests.length = 0;

      // Act
      const sent = await sweepAt(dog, ['10:22']);

      // Assess
      expect(sent).toEqual([[]]);
      // The sweep index, the service's stacks, its window entries from where the walk starts.
      expect(requests).toEqual(['QueryCommand', 'QueryCommand', 'QueryCommand']);
    },
  );
});

describe('window event request budget', () => {
  it(
    'claims, sends and marks the WARNING, then derives the window and marks its Opened sent from the entry it ' +
      'stored: no read of it again',
    async () => {
      // Prepare
      const { store, requests } = await countingStore();
      const dog = watchdog(store, { now: iso('10:00') });
      await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
      requests.length = 0;

      // Act
      const sent = await sweepAt(dog, ['10:20']);

      // Assess
      expect(sent).toEqual([['WARNING']]);
      expect(dog.windowEvents.sent.map((event) => event.detailType)).toEqual(['Impact Window Opened']);
      expect(requests).toEqual([
        // The sweep index and the service's stacks; the WARNING claimed, its evidence, marked sent.
        ...['QueryCommand', 'QueryCommand', 'PutItemCommand', 'QueryCommand', 'PutItemCommand'],
        // The windows: the stacks read again (the pages wrote), the window entries from the walk point.
        ...['QueryCommand', 'QueryCommand'],
        // The new window's entry with its Opened, the first walk point kept, the service's walk point,
        // the stack's events marked walked; the Opened marked sent once the bus took it.
        ...['PutItemCommand', 'PutItemCommand', 'PutItemCommand', 'PutItemCommand', 'PutItemCommand'],
      ]);
    },
  );
});
