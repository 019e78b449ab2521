/**
 * applyEvent, the stack-events Lambda's use case, over a real (embedded) DynamoDB.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent, type ApplyOutcome } from '../../shared/app/apply-event.ts';
import { statusRecordOf } from '../../shared/domain/operations.ts';
import { sweep } from '../../shared/app/sweep.ts';
import { parseCloudFormationEvent } from '../../shared/domain/cfn-event.ts';
import { configFromText } from '../../shared/domain/config.ts';
import type { CloudFormationEvent } from '../../shared/domain/events.ts';
import { NO_FACTS, type StackFacts } from '../../shared/domain/stack-facts.ts';
import type { StackDirectory } from '../../shared/app/ports.ts';
import { stackArn, stackEvent } from '../support/events.ts';
import { freshStore } from '../support/dynamodb.ts';
import { countingStore } from '../support/counting-store.ts';
import { claimsIn, iso, recordsIn, serviceKey, t, toSweep } from '../support/states.ts';
import { ISO_Z, rawTable, resourceStatus, stackStatus, watchdog } from '../support/watchdog.ts';

const api = { name: 'api' };
const apiArn = stackArn(api);
const apiKey = serviceKey('api');

async function applyAll(
  events: readonly CloudFormationEvent[],
  deps: Parameters<typeof applyEvent>[1],
): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  for (const event of events) outcomes.push(await applyEvent(event, deps));
  return outcomes;
}

describe('applyEvent', () => {
  it('ignores other CloudFormation detail-types without writing anything', async () => {
    // Prepare
    const { store } = await freshStore();
    const { deps, notifier } = watchdog(store, { now: iso('10:00') });
    const drift = parseCloudFormationEvent({
      ...stackEvent(api, iso('10:00'), 'UPDATE_IN_PROGRESS'),
      'detail-type': 'CloudFormation Drift Detection Status Change',
    });

    // Act
    const outcome = await applyEvent(drift, deps);

    // Assess
    expect(outcome).toEqual({ kind: 'ignored', detailType: 'CloudFormation Drift Detection Status Change' });
    expect(await store.stackHistory(apiArn)).toEqual([]);
    expect(await store.loadService(apiKey)).toEqual({ service: expect.objectContaining({ version: 0 }), stacks: [] });
    expect(notifier.attempts).toEqual([]);
  });

  it('only records a resource event in its stack’s timeline', async () => {
    // Prepare
    const { store } = await freshStore();
    const { deps, notifier } = watchdog(store, { now: iso('10:00:05') });
    const event = resourceStatus(api, iso('10:00:05'), 'Fn', 'UPDATE_IN_PROGRESS');

    // Act
    const outcome = await applyEvent(event, deps);

    // Assess
    expect(outcome).toEqual({ kind: 'recorded' });
    expect(await store.stackHistory(apiArn)).toEqual([event]);
    expect((await store.loadService(apiKey)).stacks).toEqual([]);
    expect(await toSweep(store)).toEqual([]);
    expect(notifier.attempts).toEqual([]);
  });

  it('records a status event and stores it in its stack’s state, marked for the sweeper', async () => {
    // Prepare
    const { store } = await freshStore();
    const { deps } = watchdog(store, { now: iso('10:00:01') });
    const event = stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS', 'User Initiated');

    // Act
    const outcome = await applyEvent(event, deps);

    // Assess
    expect(outcome).toEqual({ kind: 'applied', key: apiKey, notifications: [] });
    const state = await store.loadStack(apiKey, { stackId: apiArn, stackName: 'api' });
    expect(state.version).toBe(1);
    expect(state.records).toEqual([
      {
        stackId: apiArn,
        stackName: 'api',
        time: t('10:00'),
        status: 'UPDATE_IN_PROGRESS',
        statusReason: 'User Initiated',
      },
    ]);
    expect(state.unwalkedSince).toBe(t('10:00'));
    expect(await store.stackHistory(apiArn)).toEqual([event]);
    expect(await toSweep(store)).toEqual([apiKey]);
  });

  it('keeps stacks that the service rules map to one service under that service', async () => {
    // Prepare
    const { store } = await freshStore();
    const config = configFromText({ serviceRules: ['trustsource-core=^trustsource-(core|scan)-'] });
    const { deps } = watchdog(store, { now: iso('10:05'), config });
    const old = { name: 'trustsource-core-prod' };
    const replacement = { name: 'trustsource-scan-v2-prod' };

    // Act
    const outcomes = await applyAll(
      [
        stackStatus(old, iso('10:00'), 'DELETE_IN_PROGRESS'),
        stackStatus(replacement, iso('10:01'), 'CREATE_IN_PROGRESS'),
      ],
      deps,
    );

    // Assess
    const key = serviceKey('trustsource-core');
    expect(outcomes).toEqual([
      { kind: 'applied', key, notifications: [] },
      { kind: 'applied', key, notifications: [] },
    ]);
    expect((await recordsIn(store, key)).map((kept) => `${kept.stackName} ${kept.status}`)).toEqual([
      'trustsource-core-prod DELETE_IN_PROGRESS',
      'trustsource-scan-v2-prod CREATE_IN_PROGRESS',
    ]);
    expect((await store.loadService(serviceKey('trustsource-core-prod'))).stacks).toEqual([]);
  });

  it.each([
    { redelivery: 'with the same EventBridge id', id: 'event-1' },
    { redelivery: 'with another EventBridge id', id: 'event-2' },
  ])('answers duplicate and writes nothing for a status event delivered again $redelivery', async ({ id }) => {
    // Prepare
    const { store, tableName } = await freshStore();
    const { deps, clock } = watchdog(store, { now: iso('10:00:01') });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS', 'User Initiated', 'event-1'), deps);
    clock.set(iso('10:03'));

    // Act
    const outcome = await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS', 'User Initiated', id), deps);

    // Assess
    expect(outcome).toEqual({ kind: 'duplicate', key: apiKey });
    const item = await rawTable(tableName).get('SERVICE#123456789012#eu-west-1#api', `STACK#${apiArn}`);
    expect(item?.version).toBe(1);
    expect(item?.updatedAt).toBe('2024-03-05T10:00:01Z');
    expect(await recordsIn(store, apiKey)).toHaveLength(1);
    expect(await store.stackHistory(apiArn)).toHaveLength(1);
  });

  it('sends FAILED exactly once when the failure is delivered three times', async () => {
    // Prepare
    const { store } = await freshStore();
    const { deps, clock, notifier } = watchdog(store, { now: iso('10:00:01') });
    await applyEvent(stackStatus(api, iso('10:00'), 'CREATE_IN_PROGRESS', 'User Initiated'), deps);
    await applyEvent(
      stackStatus(api, iso('10:04'), 'ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [Fn].'),
      deps,
    );
    const failure = stackStatus(api, iso('10:06'), 'ROLLBACK_COMPLETE', 'Rollback requested by user.');
    clock.set(iso('10:06:02'));

    // Act
    const outcomes = await applyAll([failure, failure, { ...failure, eventId: 'redelivered' }], deps);

    // Assess
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['applied', 'duplicate', 'duplicate']);
    const failed = {
      at: t('10:06:02'),
      severity: 'FAILED',
      reminder: 0,
      stackId: apiArn,
      stackName: 'api',
      account: '123456789012',
      region: 'eu-west-1',
      service: 'api',
      operation: 'CREATE',
      status: 'ROLLBACK_COMPLETE',
      statusReason: 'Rollback requested by user.',
      statusAt: t('10:06'),
      startedAt: t('10:00'),
      incidentStart: t('10:00'),
      elapsedMs: 6 * 60_000 + 2_000,
      resourcesInProgress: [],
      diagnosis: [],
      blockedBy: null,
    };
    expect(notifier.sent).toEqual([failed]);
    expect(outcomes[0]).toEqual({ kind: 'applied', key: apiKey, notifications: [failed] });
    expect(await claimsIn(store, apiKey)).toEqual([
      {
        stackId: apiArn,
        anchor: t('10:00'),
        operation: 'CREATE',
        terminalAt: t('10:06'),
        terminalStatus: 'ROLLBACK_COMPLETE',
        severity: 'FAILED',
        claimedAt: t('10:06:02'),
        delivery: { state: 'sent', at: t('10:06:02') },
        bus: { state: 'sent', at: t('10:06:02') },
      },
    ]);
  });

  it.each([
    { start: 'CREATE_IN_PROGRESS', failure: 'CREATE_FAILED', operation: 'CREATE' },
    { start: 'UPDATE_IN_PROGRESS', failure: 'UPDATE_ROLLBACK_COMPLETE', operation: 'UPDATE' },
    { start: 'UPDATE_IN_PROGRESS', failure: 'UPDATE_ROLLBACK_FAILED', operation: 'UPDATE' },
    { start: 'DELETE_IN_PROGRESS', failure: 'DELETE_FAILED', operation: 'DELETE' },
    { start: 'IMPORT_IN_PROGRESS', failure: 'IMPORT_ROLLBACK_COMPLETE', operation: 'IMPORT' },
  ])('sends FAILED for a $operation operation ending in $failure', async ({ start, failure, operation }) => {
    // Prepare
    const { store } = await freshStore();
    const { deps, clock, notifier } = watchdog(store, { now: iso('10:00') });
    await applyEvent(stackStatus(api, iso('10:00'), start), deps);
    clock.set(iso('10:03'));

    // Act
    await applyEvent(stackStatus(api, iso('10:03'), failure, 'it broke'), deps);

    // Assess
    expect(
      notifier.sent.map((sent) => [sent.severity, sent.operation, sent.status, sent.statusReason, sent.elapsedMs]),
    ).toEqual([['FAILED', operation, failure, 'it broke', 180_000]]);
  });

  it.each([
    { escalation: 'no sweep ever ran', sweeps: [], expected: [] },
    { escalation: 'sweeps ran before any threshold', sweeps: ['10:10', '10:19'], expected: [] },
    { escalation: 'WARNING was sent at 10:20', sweeps: ['10:20'], expected: ['WARNING', 'RESOLVED'] },
    { escalation: 'CRITICAL alone was sent at 10:45', sweeps: ['10:45'], expected: ['CRITICAL', 'RESOLVED'] },
    {
      escalation: 'WARNING and CRITICAL were sent',
      sweeps: ['10:20', '10:40'],
      expected: ['WARNING', 'CRITICAL', 'RESOLVED'],
    },
  ])(
    'sends RESOLVED for a success only when the operation was escalated: $escalation',
    async ({ sweeps, expected }) => {
      // Prepare
      const { store } = await freshStore();
      const { deps, clock, notifier } = watchdog(store, { now: iso('10:00') });
      await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), deps);
      for (const minute of sweeps) {
        clock.set(iso(minute));
        await sweep(deps);
      }
      clock.set(iso('10:50:01'));

      // Act
      await applyEvent(stackStatus(api, iso('10:50'), 'UPDATE_COMPLETE', 'finally'), deps);
      await applyEvent(stackStatus(api, iso('10:50'), 'UPDATE_COMPLETE', 'finally'), deps);

      // Assess
      expect(notifier.sent.map((sent) => sent.severity)).toEqual(expected);
      const resolved = notifier.sent.filter((sent) => sent.severity === 'RESOLVED');
      for (const sent of resolved) {
        expect(sent).toMatchObject({
          at: t('10:50:01'),
          status: 'UPDATE_COMPLETE',
          statusReason: 'finally',
          startedAt: t('10:00'),
          incidentStart: t('10:00'),
          elapsedMs: 50 * 60_000 + 1_000,
        });
      }
    },
  );

  it('sends FAILED and no RESOLVED when an escalated operation ends in failure', async () => {
    // Prepare
    const { store } = await freshStore();
    const { deps, clock, notifier } = watchdog(store, { now: iso('10:00') });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), deps);
    clock.set(iso('10:20'));
    await sweep(deps);
    clock.set(iso('10:30'));

    // Act
    await applyEvent(stackStatus(api, iso('10:25'), 'UPDATE_ROLLBACK_IN_PROGRESS'), deps);
    await applyEvent(stackStatus(api, iso('10:29'), 'UPDATE_ROLLBACK_COMPLETE'), deps);

    // Assess
    expect(notifier.sent.map((sent) => sent.severity)).toEqual(['WARNING', 'FAILED']);
  });

  it(
    'logs an unknown status with its event id, keeps it in the timeline and the state, and does not ' + 'crash',
    async () => {
      // Prepare
      const { store } = await freshStore();
      const { deps, log, notifier } = watchdog(store, { now: iso('10:00:01') });
      const event = stackStatus(api, iso('10:00'), 'TELEPORT_IN_PROGRESS', 'new in 2030', 'event-from-the-future');

      // Act
      const outcome = await applyEvent(event, deps);

      // Assess
      expect(outcome).toEqual({ kind: 'applied', key: apiKey, notifications: [] });
      expect(log.entries.filter((entry) => entry.level === 'warn')).toEqual([
        {
          level: 'warn',
          message: expect.stringContaining('unknown stack status'),
          attributes: { eventId: 'event-from-the-future', stackId: apiArn, status: 'TELEPORT_IN_PROGRESS' },
        },
      ]);
      expect(await store.stackHistory(apiArn)).toEqual([event]);
      expect(await recordsIn(store, apiKey)).toEqual([statusRecordOf(event)]);
      // Listed until the sweeper has derived the service's windows from it; it runs nothing.
      expect(await toSweep(store)).toEqual([apiKey]);
      expect(notifier.attempts).toEqual([]);
    },
  );

  it('does not log known statuses', async () => {
    // Prepare
    const { store } = await freshStore();
    const { deps, log } = watchdog(store, { now: iso('10:00:01') });

    // Act
    await applyEvent(stackStatus(api, iso('10:00'), 'REVIEW_IN_PROGRESS'), deps);

    // Assess
    expect(log.entries).toEqual([]);
  });
});

describe('applyEvent with sub-second event times', () => {
  // Event times are whole seconds: a fraction once made the claim marked sent differ from the stored one.
  it('sends FAILED once for a failure whose time has milliseconds', async () => {
    // Prepare
    const { store } = await freshStore();
    const { deps, clock, notifier } = watchdog(store, { now: iso('10:03:01') });
    await applyEvent(stackStatus(api, '2024-03-05T10:03:00.250Z', 'CREATE_FAILED'), deps);
    clock.set(iso('10:06'));

    // Act
    await sweep(deps);

    // Assess
    expect(notifier.sent.map((sent) => sent.severity)).toEqual(['FAILED']);
    expect((await claimsIn(store, apiKey)).map((claim) => claim.delivery)).toEqual([
      { state: 'sent', at: t('10:03:01') },
    ]);
  });
});

describe(
  'applyEvent request budget (access pattern 1: at most 3 requests per event, plus one per notification ' + 'sent)',
  () => {
    it.each([
      {
        event: 'a new in-progress status',
        already: false,
        resource: false,
        expected: ['PutItemCommand', 'GetItemCommand', 'PutItemCommand'],
      },
      { event: 'a duplicate', already: true, resource: false, expected: ['PutItemCommand', 'GetItemCommand'] },
      { event: 'a resource status', already: false, resource: true, expected: ['PutItemCommand'] },
    ])('sends $expected for $event', async ({ already, resource, expected }) => {
      // Prepare
      const { store, requests } = await countingStore();
      const { deps } = watchdog(store, { now: iso('10:00:01') });
      const started = stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS');
      if (already) await applyEvent(started, deps);
      requests.length = 0;

      // Act
      await applyEvent(resource ? resourceStatus(api, iso('10:00:02'), 'Fn', 'UPDATE_IN_PROGRESS') : started, deps);

      // Assess
      expect(requests).toEqual(expected);
    });

    // Marking a notification sent only after SNS accepted it costs one write of its own.
    it(
      "sends the three requests of an event, reads the failed operation's timeline and its service's stacks for its " +
        'cause, and marks the notification sent',
      async () => {
        // Prepare
        const { store, requests } = await countingStore();
        const { deps, notifier, windowEvents } = watchdog(store, { now: iso('10:03') });
        await applyEvent(stackStatus(api, iso('10:00'), 'CREATE_IN_PROGRESS'), deps);
        requests.length = 0;

        // Act
        await applyEvent(stackStatus(api, iso('10:03'), 'CREATE_FAILED'), deps);

        // Assess
        expect(notifier.sent.map((sent) => sent.severity)).toEqual(['FAILED']);
        // Windows are the sweeper's: the window opens, and is announced, at the next sweep.
        expect(windowEvents.sent).toEqual([]);
        // History, the stack's state, its write with the claim; the timeline and the service's stacks
        // read for FAILED's cause (a deletion that blocked it); FAILED marked sent.
        expect(requests).toEqual([
          'PutItemCommand',
          'GetItemCommand',
          'PutItemCommand',
          'QueryCommand',
          'QueryCommand',
          'PutItemCommand',
        ]);
      },
    );
  },
);

describe('applyEvent stored times', () => {
  it('stores ISO-8601 UTC times with Z, also for claims', async () => {
    // Prepare
    const { store, tableName } = await freshStore();
    const { deps } = watchdog(store, { now: iso('10:03:07') });
    await applyEvent(stackStatus(api, iso('10:00'), 'CREATE_IN_PROGRESS'), deps);

    // Act
    await applyEvent(stackStatus(api, iso('10:03'), 'CREATE_FAILED'), deps);

    // Assess
    const item = await rawTable(tableName).get('SERVICE#123456789012#eu-west-1#api', `STACK#${apiArn}`);
    const claims = item?.claims as Record<string, unknown>[];
    expect(claims).toEqual([
      {
        anchor: '2024-03-05T10:00:00Z',
        operation: 'CREATE',
        terminalAt: '2024-03-05T10:03:00Z',
        terminalStatus: 'CREATE_FAILED',
        severity: 'FAILED',
        claimedAt: '2024-03-05T10:03:07Z',
        delivery: { state: 'sent', at: '2024-03-05T10:03:07Z' },
        bus: { state: 'sent', at: '2024-03-05T10:03:07Z' },
      },
    ]);
    expect(item?.updatedAt).toMatch(ISO_Z);
  });
});

/** DescribeStacks as the deployed functions see it: the facts given per stack ARN, none for the others. */
function taggedStacks(facts: Record<string, Partial<StackFacts>>): StackDirectory {
  return { factsOf: async (stackId) => ({ ...NO_FACTS, ...facts[stackId] }) };
}

describe('applyEvent with AllowedServiceTags', () => {
  const PAYMENTS_ACCOUNT = '111111111111';
  const SANDBOX_ACCOUNT = '222222222222';

  it.each([
    ['every tag honoured without an allow-list', '', SANDBOX_ACCOUNT, 'payments', false],
    ["its account's entry matching the whole tag", `${PAYMENTS_ACCOUNT}=payments`, PAYMENTS_ACCOUNT, 'payments', false],
    [
      'the * entry matching for an account not listed',
      `${PAYMENTS_ACCOUNT}=payments;*=shared`,
      SANDBOX_ACCOUNT,
      'shared',
      false,
    ],
    [
      "its account's entry matching part of the tag only",
      `${PAYMENTS_ACCOUNT}=pay`,
      PAYMENTS_ACCOUNT,
      'payments',
      true,
    ],
    ['another account allowed the tag, its own not', `${PAYMENTS_ACCOUNT}=payments`, SANDBOX_ACCOUNT, 'payments', true],
  ])('with %s (allow-list %j, account %s, tag %s): refused %s', async (_what, allowed, account, tag, refused) => {
    // Prepare
    const stack = { name: 'checkout-blue', account };
    const arn = stackArn(stack);
    const config = configFromText({ serviceRules: 'checkout=^checkout-', allowedServiceTags: allowed });
    const { store } = await freshStore();
    const { deps, log } = watchdog(store, {
      now: iso('10:00'),
      config,
      stacks: taggedStacks({ [arn]: { serviceTag: tag } }),
    });

    // Act
    const outcome = await applyEvent(stackStatus(stack, iso('10:00'), 'UPDATE_IN_PROGRESS'), deps);

    // Assess: a refused tag places the stack by the name rules, with one warning naming it.
    expect(outcome).toMatchObject({ kind: 'applied', key: { account, service: refused ? 'checkout' : tag } });
    expect(log.entries.filter((entry) => entry.level === 'warn')).toEqual(
      refused
        ? [
            {
              level: 'warn',
              message: expect.stringContaining('cfn-watchdog:service tag not allowed for its account'),
              attributes: { stackId: arn, stackName: 'checkout-blue', tag, account, service: 'checkout' },
            },
          ]
        : [],
    );
  });

  it("judges a nested stack by its root's tag and account", async () => {
    // Prepare
    const root = { name: 'scan-root', account: SANDBOX_ACCOUNT };
    const nested = { name: 'scan-root-Db-1X2Y', account: SANDBOX_ACCOUNT };
    const config = configFromText({ allowedServiceTags: `${PAYMENTS_ACCOUNT}=payments` });
    const stacks = taggedStacks({
      [stackArn(nested)]: { rootStackId: stackArn(root) },
      [stackArn(root)]: { serviceTag: 'payments' },
    });
    const { store } = await freshStore();
    const { deps, log } = watchdog(store, { now: iso('10:00'), config, stacks });

    // Act
    const outcome = await applyEvent(stackStatus(nested, iso('10:00'), 'UPDATE_IN_PROGRESS'), deps);

    // Assess
    expect(outcome).toMatchObject({ kind: 'applied', key: { service: 'scan-root' } });
    expect(log.entries).toMatchObject([
      { level: 'warn', attributes: { stackName: 'scan-root', tag: 'payments', account: SANDBOX_ACCOUNT } },
    ]);
  });
});

describe('applyEvent and the stacks muted by their tag', () => {
  it(
    'lists a stack once its cfn-watchdog:mute tag mutes it, since then, and takes it off once the tag is ' + 'gone',
    async () => {
      // Prepare: the tag is added before the second deployment and removed before the third.
      const { store } = await freshStore();
      const facts: Record<string, Partial<StackFacts>> = {};
      const { deps, clock } = watchdog(store, { now: iso('10:00'), stacks: taggedStacks(facts) });
      const deploy = async (start: string, end: string) => {
        clock.set(iso(start));
        await applyEvent(stackStatus(api, iso(start), 'UPDATE_IN_PROGRESS'), deps);
        clock.set(iso(end));
        await applyEvent(stackStatus(api, iso(end), 'UPDATE_COMPLETE'), deps);
      };
      await deploy('10:00', '10:05');
      const before = await store.stacksMutedByTag();

      // Act
      facts[apiArn] = { mutedByTag: true };
      await deploy('11:00', '11:05');
      const muted = await store.stacksMutedByTag();
      facts[apiArn] = { mutedByTag: false };
      await deploy('12:00', '12:05');
      const unmuted = await store.stacksMutedByTag();

      // Assess
      expect(before).toEqual([]);
      expect(muted).toEqual([{ key: apiKey, stackId: apiArn, stackName: 'api', since: t('11:00') }]);
      expect(unmuted).toEqual([]);
    },
  );

  it('takes a muted stack off the list once it is deleted', async () => {
    // Prepare
    const { store } = await freshStore();
    const { deps, clock } = watchdog(store, {
      now: iso('10:00'),
      stacks: taggedStacks({ [apiArn]: { mutedByTag: true } }),
    });
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), deps);
    const listed = await store.stacksMutedByTag();

    // Act: DescribeStacks still shows a deleted stack's tags.
    clock.set(iso('10:04'));
    await applyEvent(stackStatus(api, iso('10:04'), 'DELETE_COMPLETE'), deps);

    // Assess
    expect(listed.map((stack) => stack.stackName)).toEqual(['api']);
    expect(await store.stacksMutedByTag()).toEqual([]);
  });

  it(
    'lists the stack before its state says muted: a state write that fails leaves it listed, and the retry writes ' +
      'the state',
    async () => {
      // Prepare: the first write of the state fails, as a Lambda stopped between the two would.
      const { store } = await freshStore();
      let failures = 1;
      const failing = {
        ...store,
        saveStack: async (...args: Parameters<typeof store.saveStack>) => {
          if (failures-- > 0) throw new Error('the invocation stopped here');
          return store.saveStack(...args);
        },
      };
      const event = stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS');
      const { deps } = watchdog(failing, {
        now: iso('10:00'),
        stacks: taggedStacks({ [apiArn]: { mutedByTag: true } }),
      });

      // Act
      await expect(applyEvent(event, deps)).rejects.toThrow('the invocation stopped here');
      const listedAfterFailure = await store.stacksMutedByTag();
      await applyEvent(event, deps);

      // Assess
      expect(listedAfterFailure.map((stack) => stack.stackName)).toEqual(['api']);
      expect((await store.loadStack(apiKey, { stackId: apiArn, stackName: 'api' })).mutedByTag).toBe(true);
      expect((await store.stacksMutedByTag()).map((stack) => stack.stackName)).toEqual(['api']);
    },
  );
});
