/**
 * The product's core promise under concurrency (DESIGN.md): exactly once per (operation,
 * severity), also when sweeps overlap or events are delivered in parallel and duplicated; no
 * update is ever lost. Real parallel requests against the embedded DynamoDB.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../shared/app/apply-event.ts';
import { sweep } from '../../shared/app/sweep.ts';
import { configFromText } from '../../shared/domain/config.ts';
import type { CloudFormationEvent } from '../../shared/domain/events.ts';
import { stackArn } from '../support/events.ts';
import { freshStore } from '../support/dynamodb.ts';
import { claimsIn, iso, recordsIn, serviceKey, t, toSweep } from '../support/states.ts';
import { resourceStatus, stackStatus, watchdog } from '../support/watchdog.ts';

const api = { name: 'api' };
const apiArn = stackArn(api);
const apiKey = serviceKey('api');

const severities = (notifications: readonly { severity: string }[]): string[] => notifications.map((n) => n.severity);

describe('concurrent sweeps', () => {
  it.each([2, 8])(
    'send exactly one WARNING in total when %i sweeps run at once over one open operation',
    async (count) => {
      // Prepare
      const { store } = await freshStore();
      const dog = watchdog(store, { now: iso('10:00') });
      await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
      dog.clock.set(iso('10:20'));

      // Act
      const results = await Promise.all(Array.from({ length: count }, () => sweep(dog.deps)));

      // Assess
      expect(severities(dog.notifier.sent)).toEqual(['WARNING']);
      expect(severities(dog.escalations.sent)).toEqual(['WARNING']);
      expect(severities(results.flatMap((result) => result.notifications))).toEqual(['WARNING']);
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

  it('send exactly one CRITICAL (and no WARNING) when 8 sweeps first see the operation past 40 min', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    await applyEvent(stackStatus(api, iso('10:00'), 'DELETE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:45'));

    // Act
    await Promise.all(Array.from({ length: 8 }, () => sweep(dog.deps)));

    // Assess
    expect(severities(dog.notifier.sent)).toEqual(['CRITICAL']);
    expect(severities(dog.escalations.sent)).toEqual(['CRITICAL']);
  });

  it('send one WARNING, then one CRITICAL, when 8 sweeps overlap at every minute', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);

    // Act
    for (const minute of ['10:19', '10:20', '10:21', '10:40', '10:41']) {
      dog.clock.set(iso(minute));
      await Promise.all(Array.from({ length: 8 }, () => sweep(dog.deps)));
    }

    // Assess
    expect(dog.notifier.sent.map((n) => `${n.severity} ${new Date(n.at).toISOString().slice(11, 16)}`)).toEqual([
      'WARNING 10:20',
      'CRITICAL 10:40',
    ]);
  });

  it('send one WARNING per operation when 8 sweeps run at once over several services', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    for (const name of ['a', 'b', 'c', 'd'])
      await applyEvent(stackStatus({ name }, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:20'));

    // Act
    await Promise.all(Array.from({ length: 8 }, () => sweep(dog.deps)));

    // Assess
    expect(dog.notifier.sent.map((n) => `${n.severity} ${n.stackName}`).sort()).toEqual([
      'WARNING a',
      'WARNING b',
      'WARNING c',
      'WARNING d',
    ]);
  });

  it('re-send a notification whose publish failed exactly once when 8 sweeps find it stale at once', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), fails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:20'));
    await expect(sweep(dog.deps)).rejects.toThrow('SNS publish failed');
    dog.clock.set(iso('10:22'));

    // Act
    await Promise.all(Array.from({ length: 8 }, () => sweep(dog.deps)));

    // Assess
    expect(dog.notifier.sent).toEqual([expect.objectContaining({ severity: 'WARNING', at: t('10:22') })]);
    expect((await claimsIn(store, apiKey)).map((claim) => claim.delivery)).toEqual([{ state: 'sent', at: t('10:22') }]);
  });

  it.each([1, 2, 3, 4, 5])(
    'never send a WARNING without its RESOLVED when the completion races 4 sweeps (run %i)',
    async () => {
      // Prepare
      const { store } = await freshStore();
      const dog = watchdog(store, { now: iso('10:00') });
      await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
      dog.clock.set(iso('10:21'));

      // Act
      await Promise.all([
        sweep(dog.deps),
        sweep(dog.deps),
        applyEvent(stackStatus(api, iso('10:20:30'), 'UPDATE_COMPLETE'), dog.deps),
        sweep(dog.deps),
        sweep(dog.deps),
      ]);

      // Assess
      const sent = severities(dog.notifier.sent).sort();
      expect([[], ['RESOLVED', 'WARNING']]).toContainEqual(sent);
      expect((await claimsIn(store, apiKey)).every((claim) => claim.delivery.state === 'sent')).toBe(true);
      // Nothing left for later sweeps but the windows, once the walk point has passed the completion.
      dog.clock.set(iso('10:23'));
      expect((await sweep(dog.deps)).notifications).toEqual([]);
      expect(await toSweep(store)).toEqual([]);
    },
  );
});

describe('concurrent applyEvent', () => {
  const oneStack: CloudFormationEvent[] = [
    stackStatus(api, iso('10:00'), 'CREATE_IN_PROGRESS', 'User Initiated'),
    resourceStatus(api, iso('10:01'), 'Fn', 'CREATE_IN_PROGRESS'),
    stackStatus(api, iso('10:05'), 'CREATE_COMPLETE'),
    stackStatus(api, iso('11:00'), 'UPDATE_IN_PROGRESS', 'User Initiated'),
    resourceStatus(api, iso('11:01'), 'Fn', 'UPDATE_IN_PROGRESS'),
    stackStatus(api, iso('11:05'), 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
    stackStatus(api, iso('11:06'), 'UPDATE_COMPLETE'),
    stackStatus(api, iso('12:00'), 'UPDATE_IN_PROGRESS'),
    stackStatus(api, iso('12:03'), 'UPDATE_COMPLETE'),
    stackStatus(api, iso('13:00'), 'DELETE_IN_PROGRESS'),
  ];
  const core = { name: 'core-prod' };
  const scan = { name: 'scan-v2-prod' };
  const worker = { name: 'worker-prod' };
  const threeStacks: CloudFormationEvent[] = [
    stackStatus(core, iso('10:00'), 'UPDATE_IN_PROGRESS'),
    stackStatus(scan, iso('10:00'), 'CREATE_IN_PROGRESS'),
    stackStatus(worker, iso('10:02'), 'UPDATE_IN_PROGRESS'),
    stackStatus(core, iso('10:05'), 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'),
    stackStatus(scan, iso('10:07'), 'CREATE_COMPLETE'),
    stackStatus(worker, iso('10:08'), 'UPDATE_COMPLETE'),
    stackStatus(core, iso('10:09'), 'UPDATE_COMPLETE'),
    stackStatus(core, iso('10:30'), 'DELETE_IN_PROGRESS'),
  ];
  const config = configFromText({ serviceRules: ['api=^api$', 'api=-prod$'] });

  it.each([
    { case: 'of one stack', events: oneStack, statusEvents: 8 },
    { case: 'of three stacks of one service', events: threeStacks, statusEvents: 8 },
  ])('all land when the events $case are applied in parallel', async ({ events, statusEvents }) => {
    // Prepare
    const parallel = await freshStore();
    const sequential = await freshStore();
    const dog = watchdog(parallel.store, { now: iso('13:01'), config });
    const reference = watchdog(sequential.store, { now: iso('13:01'), config });
    for (const event of events) await applyEvent(event, reference.deps);

    // Act
    const outcomes = await Promise.all(events.map((event) => applyEvent(event, dog.deps)));

    // Assess
    expect(outcomes.filter((outcome) => outcome.kind === 'applied')).toHaveLength(statusEvents);
    expect(outcomes.filter((outcome) => outcome.kind !== 'applied' && outcome.kind !== 'recorded')).toEqual([]);
    const { stacks } = await parallel.store.loadService(apiKey);
    // Every write landed: one per status event, each on its own stack's item.
    expect(stacks.reduce((versions, stack) => versions + stack.version, 0)).toBe(statusEvents);
    expect(await recordsIn(parallel.store, apiKey)).toHaveLength(statusEvents);
    expect(await recordsIn(parallel.store, apiKey)).toEqual(await recordsIn(sequential.store, apiKey));
    expect(dog.notifier.attempts).toEqual([]);
  });

  it('lands every event when 40 nested stacks of one service start updating in the same second', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00:30'), config: configFromText({ serviceRules: ['core=^core-'] }) });
    const nested = Array.from({ length: 40 }, (_, index) =>
      stackStatus(
        { name: `core-prod-Nested${index}`, uuid: `${String(index).padStart(8, '0')}-1b15-11ec-a8f1-0254c7e39ab2` },
        iso('10:00'),
        'UPDATE_IN_PROGRESS',
      ),
    );

    // Act
    const outcomes = await Promise.all(nested.map((event) => applyEvent(event, dog.deps)));

    // Assess
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(nested.map(() => 'applied'));
    const { stacks } = await store.loadService(serviceKey('core'));
    // No item shared by the 40: each stack's item written once, without a conflict.
    expect(stacks.map((stack) => stack.version)).toEqual(nested.map(() => 1));
    expect(new Set(stacks.map((stack) => stack.stackName)).size).toBe(40);
  });

  it('sends one FAILED when the failure is delivered 6 times in parallel', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    const failure = stackStatus(api, iso('10:04'), 'UPDATE_ROLLBACK_COMPLETE', '', 'event-7');
    dog.clock.set(iso('10:04:01'));

    // Act
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => applyEvent(failure, dog.deps)));

    // Assess
    expect(severities(dog.notifier.sent)).toEqual(['FAILED']);
    expect(severities(dog.escalations.sent)).toEqual(['FAILED']);
    expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual([
      'applied',
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
      'duplicate',
    ]);
    // The start; the failure with its claim; FAILED and its event on the bus marked sent.
    expect((await store.loadStack(apiKey, { stackId: apiArn, stackName: 'api' })).version).toBe(3);
    dog.clock.set(iso('10:05'));
    await sweep(dog.deps);
    expect(dog.windowEvents.sent.map((event) => [event.detailType, event.detail.start, event.detail.end])).toEqual([
      ['Impact Window Opened', '2024-03-05T10:00:00Z', null],
      ['Impact Window Closed', '2024-03-05T10:00:00Z', '2024-03-05T10:04:00Z'],
    ]);
    expect(await claimsIn(store, apiKey)).toEqual([
      {
        stackId: apiArn,
        anchor: t('10:00'),
        operation: 'UPDATE',
        terminalAt: t('10:04'),
        terminalStatus: 'UPDATE_ROLLBACK_COMPLETE',
        severity: 'FAILED',
        claimedAt: t('10:04:01'),
        delivery: { state: 'sent', at: t('10:04:01') },
        bus: { state: 'sent', at: t('10:04:01') },
      },
    ]);
  });

  it('sends one FAILED when the failure races its own re-deliveries and the sweeper', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    const failure = stackStatus(api, iso('10:21'), 'UPDATE_FAILED');
    dog.clock.set(iso('10:22'));

    // Act
    await Promise.all([applyEvent(failure, dog.deps), sweep(dog.deps), applyEvent(failure, dog.deps), sweep(dog.deps)]);

    // Assess: a sweep may have sent WARNING first; FAILED is sent once either way, RESOLVED never.
    const sent = severities(dog.notifier.sent);
    expect(sent.filter((severity) => severity === 'FAILED')).toEqual(['FAILED']);
    expect(sent.filter((severity) => severity !== 'FAILED' && severity !== 'WARNING')).toEqual([]);
    expect(sent.filter((severity) => severity === 'WARNING').length).toBeLessThanOrEqual(1);
  });
});

describe('a burst of one service', () => {
  // Two deployments in the minute: the second rolls back (five statuses of one stack racing each other).
  const PHASES = {
    2: ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'],
    5: [
      'UPDATE_IN_PROGRESS',
      'UPDATE_COMPLETE',
      'UPDATE_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE',
    ],
  } as const;

  it.each([
    { stackCount: 500, phases: PHASES[2] },
    { stackCount: 200, phases: PHASES[5] },
  ])(
    'lands whole: 1,000 status events of $stackCount stacks within a minute, applied by 50 concurrent writers',
    async ({ stackCount, phases }) => {
      // Prepare
      const { store } = await freshStore();
      const dog = watchdog(store, { now: iso('10:01'), config: configFromText({ serviceRules: ['shop=^shop-'] }) });
      const stacks = Array.from({ length: stackCount }, (_, index) => ({
        name: `shop-${index}`,
        uuid: `${String(index).padStart(8, '0')}-1b15-11ec-a8f1-0254c7e39ab2`,
      }));
      const events = stacks.flatMap((stack, index) =>
        phases.map((status, phase) =>
          stackStatus(stack, `2024-03-05T10:00:${String(phase * 10 + (index % 10)).padStart(2, '0')}Z`, status),
        ),
      );
      let next = 0;
      const outcomes: string[] = [];
      const writer = async (): Promise<void> => {
        for (let item = events[next++]; item; item = events[next++])
          outcomes.push((await applyEvent(item, dog.deps)).kind);
      };

      // Act
      await Promise.all(Array.from({ length: 50 }, writer));

      // Assess: none given up, every status in its stack's item.
      expect(events).toHaveLength(1_000);
      expect(outcomes.filter((kind) => kind !== 'applied')).toEqual([]);
      const { stacks: stored } = await store.loadService(serviceKey('shop'));
      expect(stored).toHaveLength(stackCount);
      expect(stored.every((stack) => stack.records.length === phases.length)).toBe(true);
    },
    120_000,
  );
});
