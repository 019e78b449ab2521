/**
 * The bus lane of the outbox (issue 17): every page also goes to the watchdog's bus as
 * `Deployment Escalated`/`Resolved`, claimed in the same write, published after the page, marked
 * sent on its own; against the real store. A bus that refuses never holds up or repeats a page,
 * and a page's event is put at most once, or not at all once it has nothing left to say.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStore } from '../../shared/adapters/dynamodb-store.ts';
import { createMemoryTable } from '../../shared/adapters/memory-table.ts';
import { dedupKeyOf } from '../../shared/adapters/escalation-event.ts';
import { applyEvent } from '../../shared/app/apply-event.ts';
import type { ApplyDeps } from '../../shared/app/deps.ts';
import { sweep, SweepIncompleteError } from '../../shared/app/sweep.ts';
import { parseCloudFormationEvent } from '../../shared/domain/cfn-event.ts';
import { DEFAULT_CONFIG } from '../../shared/domain/config.ts';
import { parseMute } from '../../shared/domain/mute.ts';
import type { Notification } from '../../shared/domain/notification.ts';
import { formatInstant } from '../../shared/domain/time.ts';
import { freshStore } from '../support/dynamodb.ts';
import { eventOfRecord, historyArb, HOUR, SERVICE_RULES } from '../support/histories.ts';
import { claimsIn, iso, serviceKey, t, toSweep } from '../support/states.ts';
import { runInVirtualTime, stackStatus, watchdog, type Watchdog } from '../support/watchdog.ts';

const api = { name: 'api' };
const apiKey = serviceKey('api');

const brief = (notification: Notification): string =>
  `${notification.severity} at ${new Date(notification.at).toISOString().slice(11, 16)}`;

/** Sweeps at each minute; a sweep that fails (a publish was refused) is noted by its error's name. */
async function sweepsAt(dog: Watchdog, minutes: readonly string[]): Promise<string[]> {
  const outcomes: string[] = [];
  for (const minute of minutes) {
    dog.clock.set(iso(minute));
    try {
      const { notifications } = await sweep(dog.deps);
      outcomes.push(notifications.map((n) => n.severity).join(',') || '-');
    } catch (error) {
      outcomes.push(error instanceof SweepIncompleteError ? `incomplete: ${error.message}` : String(error));
    }
  }
  return outcomes;
}

describe('the bus lane of pages', () => {
  it('puts an event refused by the bus once after the lease, without paging again', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), escalationFails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);

    // Act
    const outcomes = await sweepsAt(dog, ['10:20']);
    const afterRefusal = await claimsIn(store, apiKey);
    outcomes.push(...(await sweepsAt(dog, ['10:21', '10:22', '10:23'])));

    // Assess
    expect(outcomes[0]).toMatch(/^incomplete: .*1 page event\(s\) not put on the watchdog's bus \(PutEvents of a page/);
    expect(outcomes.slice(1)).toEqual(['-', '-', '-']);
    expect(afterRefusal.map(({ severity, delivery, bus }) => ({ severity, delivery, bus }))).toEqual([
      { severity: 'WARNING', delivery: { state: 'sent', at: t('10:20') }, bus: { state: 'pending' } },
    ]);
    expect(dog.notifier.attempts.map(brief)).toEqual(['WARNING at 10:20']);
    expect(dog.escalations.attempts.map(brief)).toEqual(['WARNING at 10:20', 'WARNING at 10:22']);
    expect(dog.escalations.sent.map(brief)).toEqual(['WARNING at 10:22']);
    expect(
      (await claimsIn(store, apiKey)).map(({ claimedAt, delivery, bus }) => ({ claimedAt, delivery, bus })),
    ).toEqual([
      { claimedAt: t('10:22'), delivery: { state: 'sent', at: t('10:20') }, bus: { state: 'sent', at: t('10:22') } },
    ]);
  });

  it('sends FAILED when the bus refuses its event in the event handler; the sweep puts the event later', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), escalationFails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:05'));

    // Act
    const outcome = await applyEvent(stackStatus(api, iso('10:05'), 'UPDATE_ROLLBACK_COMPLETE'), dog.deps);
    const listedWhilePending = await toSweep(store);
    const outcomes = await sweepsAt(dog, ['10:06', '10:07', '10:08']);

    // Assess: the event is applied (not retried into the dead-letter queue), the page went at once.
    expect(outcome).toMatchObject({
      kind: 'applied',
      notifications: [expect.objectContaining({ severity: 'FAILED' })],
    });
    expect(dog.log.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'pages sent; their events are left for the sweeper to put on the bus',
      }),
    );
    expect(listedWhilePending).toEqual([apiKey]);
    expect(outcomes).toEqual(['-', '-', '-']);
    expect(dog.notifier.sent.map(brief)).toEqual(['FAILED at 10:05']);
    expect(dog.escalations.attempts.map(brief)).toEqual(['FAILED at 10:05', 'FAILED at 10:07']);
    expect(await toSweep(store)).toEqual([]);
  });

  it('never puts a WARNING event after its operation ended: the RESOLVED goes once it is let go', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), escalationFails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    await sweepsAt(dog, ['10:20']);
    dog.clock.set(iso('10:21'));

    // Act
    await applyEvent(stackStatus(api, iso('10:21'), 'UPDATE_COMPLETE'), dog.deps);
    const outcomes = await sweepsAt(dog, ['10:22', '10:23', '10:40']);

    // Assess: the RESOLVED's event waited while the WARNING's was owed (10:21), the WARNING's was
    // let go at its lease (10:22), the RESOLVED's went at its own (10:23).
    expect(outcomes).toEqual(['-', '-', '-']);
    expect(dog.notifier.sent.map(brief)).toEqual(['WARNING at 10:20', 'RESOLVED at 10:21']);
    expect(dog.escalations.sent.map(brief)).toEqual(['RESOLVED at 10:23']);
    const claims = await claimsIn(store, apiKey);
    expect(claims.map(({ severity, delivery, bus }) => ({ severity, delivery, bus }))).toEqual([
      { severity: 'WARNING', delivery: { state: 'sent', at: t('10:20') }, bus: undefined },
      { severity: 'RESOLVED', delivery: { state: 'sent', at: t('10:21') }, bus: { state: 'sent', at: t('10:23') } },
    ]);
    expect(await toSweep(store)).toEqual([]);
  });

  it('never puts a WARNING event once a CRITICAL overtook it', async () => {
    // Prepare
    const { store } = await freshStore();
    const config = { ...DEFAULT_CONFIG, sendLeaseMs: 30 * 60_000 };
    const dog = watchdog(store, { now: iso('10:00'), config, escalationFails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);

    // Act
    const outcomes = await sweepsAt(dog, ['10:20', '10:40', '10:50', '11:10']);

    // Assess
    expect(outcomes.slice(1)).toEqual(['CRITICAL', '-', '-']);
    expect(dog.escalations.sent.map(brief)).toEqual(['CRITICAL at 10:40']);
    expect((await claimsIn(store, apiKey)).map(({ severity, bus }) => ({ severity, bus }))).toEqual([
      { severity: 'WARNING', bus: undefined },
      { severity: 'CRITICAL', bus: { state: 'sent', at: t('10:40') } },
    ]);
  });

  it('publishes neither lane of a muted stack', async () => {
    // Prepare
    const { store } = await freshStore();
    const config = { ...DEFAULT_CONFIG, mutes: [parseMute('^api$')] };
    const dog = watchdog(store, { now: iso('10:00'), config });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);

    // Act
    await sweepsAt(dog, ['10:20', '10:25']);

    // Assess
    expect(dog.notifier.attempts).toEqual([]);
    expect(dog.escalations.attempts).toEqual([]);
    expect((await claimsIn(store, apiKey)).map(({ delivery, bus }) => ({ delivery, bus }))).toEqual([
      {
        delivery: { state: 'suppressed', at: t('10:20'), why: 'muted' },
        bus: { state: 'suppressed', at: t('10:20'), why: 'muted' },
      },
    ]);
  });

  it('leaves the events of a redrive without the bus to the sweeper, which puts them after the lease', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    const { escalations: _none, ...withoutBus } = dog.deps;
    const redrive: ApplyDeps = withoutBus;
    await applyEvent(stackStatus(api, iso('10:00'), 'CREATE_IN_PROGRESS'), redrive);
    dog.clock.set(iso('10:03'));

    // Act
    await applyEvent(stackStatus(api, iso('10:03'), 'CREATE_FAILED'), redrive);
    const outcomes = await sweepsAt(dog, ['10:04', '10:05']);

    // Assess
    expect(outcomes).toEqual(['-', '-']);
    expect(dog.notifier.sent.map(brief)).toEqual(['FAILED at 10:03']);
    expect(dog.escalations.sent.map(brief)).toEqual(['FAILED at 10:05']);
  });

  it("puts a RESOLVED's event after its WARNING's, even when the completion comes during its re-put", async () => {
    // Prepare: the bus refuses the WARNING's event at 10:20; at 10:22 the sweep puts it again, and
    // the stack-events function applies the completion while that PutEvents is on its way.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), escalationFails: (attempt) => attempt === 1 });
    const order: string[] = [];
    let puts = 0;
    const racing = {
      async publish(notification: Notification): Promise<void> {
        puts += 1;
        if (puts === 2) {
          dog.clock.set(iso('10:22:01'));
          await applyEvent(stackStatus(api, iso('10:22:01'), 'UPDATE_COMPLETE'), deps);
          dog.clock.set(iso('10:22'));
        }
        await dog.escalations.publish(notification);
        order.push(notification.severity);
      },
    };
    const deps = { ...dog.deps, escalations: racing };
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), deps);

    // Act
    for (const minute of ['10:20', '10:22', '10:23', '10:24', '10:25']) {
      dog.clock.set(iso(minute));
      await sweep(deps).catch((error: unknown) => {
        if (!(error instanceof SweepIncompleteError)) throw error;
      });
    }

    // Assess
    expect(dog.notifier.sent.map((n) => n.severity)).toEqual(['WARNING', 'RESOLVED']);
    expect(order).toEqual(['WARNING', 'RESOLVED']);
  });

  it('keeps one dedupKey for an operation whose start a late event moved earlier', async () => {
    // Prepare: the WARNING names the start as it was known (10:05); the start event, dated 10:00,
    // arrives after it.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:05') });
    await applyEvent(stackStatus(api, iso('10:05'), 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'), dog.deps);
    await sweepsAt(dog, ['10:25']);
    dog.clock.set(iso('10:26'));
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:27'));

    // Act
    await applyEvent(stackStatus(api, iso('10:27'), 'UPDATE_COMPLETE'), dog.deps);

    // Assess
    const [warning, resolved] = dog.escalations.sent;
    expect([warning?.severity, resolved?.severity]).toEqual(['WARNING', 'RESOLVED']);
    expect(resolved?.startedAt).toBe(t('10:00'));
    expect(dedupKeyOf(resolved as Notification)).toBe(dedupKeyOf(warning as Notification));
  });

  it("resolves the FAILED update's incident when its resumed rollback succeeds", async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:03'));
    await applyEvent(stackStatus(api, iso('10:03'), 'UPDATE_ROLLBACK_FAILED'), dog.deps);
    dog.clock.set(iso('10:30'));
    await applyEvent(stackStatus(api, iso('10:30'), 'UPDATE_ROLLBACK_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:34'));

    // Act
    await applyEvent(stackStatus(api, iso('10:34'), 'UPDATE_ROLLBACK_COMPLETE'), dog.deps);

    // Assess
    const [failed, resolved] = dog.escalations.sent;
    expect([failed?.severity, resolved?.severity]).toEqual(['FAILED', 'RESOLVED']);
    expect(dedupKeyOf(resolved as Notification)).toBe(dedupKeyOf(failed as Notification));
  });

  it("closes an incident on the bus when the stack was muted after its WARNING's event went out", async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00') });
    await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
    await sweepsAt(dog, ['10:20']);
    const muted = { ...dog.deps, config: { ...dog.deps.config, mutes: [parseMute('^api$')] } };
    dog.clock.set(iso('10:25'));

    // Act
    await applyEvent(stackStatus(api, iso('10:25'), 'UPDATE_COMPLETE'), muted);

    // Assess: nobody is told, but PagerDuty's incident is resolved.
    expect(dog.notifier.sent.map((n) => n.severity)).toEqual(['WARNING']);
    expect(dog.escalations.sent.map((n) => n.severity)).toEqual(['WARNING', 'RESOLVED']);
    const resolved = (await claimsIn(store, apiKey)).find((claim) => claim.severity === 'RESOLVED');
    expect([resolved?.delivery.state, resolved?.bus?.state]).toEqual(['suppressed', 'sent']);
  });

  it('puts no event while the page has not gone: both lanes go together after the lease', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('10:00'), fails: (attempt) => attempt === 1 });
    await applyEvent(stackStatus(api, iso('10:00'), 'CREATE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso('10:03'));

    // Act
    const failed = applyEvent(stackStatus(api, iso('10:03'), 'CREATE_FAILED'), dog.deps);
    await expect(failed).rejects.toThrow('SNS publish failed (attempt 1)');
    const outcomes = await sweepsAt(dog, ['10:04', '10:05']);

    // Assess
    expect(outcomes).toEqual(['-', 'FAILED']);
    expect(dog.escalations.attempts.map(brief)).toEqual(['FAILED at 10:05']);
  });
});

/** What names one page: its operation (stack, start and type), its severity and, for a reminder, its number. */
const pageOf = (n: Notification): string =>
  `${n.severity}#${n.reminder} of ${n.operation} ${n.stackName} started ${formatInstant(n.startedAt)}`;
const terminal = (n: Notification): boolean => n.severity === 'FAILED' || n.severity === 'RESOLVED';

/** Long mode: `BUS_LANE_RUNS=200 npx vitest run test/app/bus-lane.test.ts`. */
const RUNS = Number(process.env.BUS_LANE_RUNS ?? 8);

describe('the bus lane, whatever the bus refuses', () => {
  it('pages as if it never refused; puts each event at most once, every FAILED and RESOLVED in the end, and no ' +
    "escalation's event after its operation's end", async () => {
    const config = { ...DEFAULT_CONFIG, serviceRules: SERVICE_RULES };
    await fc.assert(
      fc.asyncProperty(
        historyArb.map((records) => records.slice(0, 20)),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
        async (records, refusals) => {
          // Prepare
          const events = records.map((record, index) => parseCloudFormationEvent(eventOfRecord(record, `e-${index}`)));
          const until = formatInstant((records.at(-1)?.time ?? 0) + 2 * HOUR);
          const run = async (fails: (attempt: number) => boolean) => {
            const dog = watchdog(createStore(createMemoryTable()), {
              now: formatInstant(records[0]?.time ?? 0),
              config,
              escalationFails: fails,
            });
            const sweepTolerating = () =>
              sweep(dog.deps).catch((error: unknown) => {
                if (!(error instanceof SweepIncompleteError)) throw error;
              });
            await runInVirtualTime(dog, events, until, undefined, sweepTolerating);
            return dog;
          };

          // Act
          const steady = await run(() => false);
          const refused = await run((attempt) => refusals[attempt - 1] === true);

          // Assess
          expect(refused.notifier.sent.map(brief)).toEqual(steady.notifier.sent.map(brief));
          const put = refused.escalations.sent.map(pageOf);
          expect(new Set(put).size, put.join('\n')).toBe(put.length);
          const paged = new Set(refused.notifier.sent.map(pageOf));
          for (const page of put) expect(paged.has(page), page).toBe(true);
          for (const n of refused.notifier.sent.filter(terminal)) expect(put, pageOf(n)).toContain(pageOf(n));
          const ended = new Set<string>();
          for (const n of refused.escalations.sent) {
            // Its incident and its own start: a resumed rollback shares the FAILED update's incident.
            const operation = `${dedupKeyOf(n)} ${n.startedAt}`;
            expect(ended.has(operation) && !terminal(n), `${pageOf(n)} after its end`).toBe(false);
            if (terminal(n)) ended.add(operation);
          }
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 600_000);
});
