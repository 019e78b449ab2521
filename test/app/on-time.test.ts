/**
 * Issue 18, part 3: the sweep escalates on time. After its minute's work it waits (`waitUntil`,
 * here the virtual clock moved by the test) for each threshold falling due in the next 50 s and
 * escalates that stack then, read again: over a real (embedded) DynamoDB, with what may happen
 * during the wait (the operation ends, CloudFormation says it ended, another sweep claims first,
 * the root stops telling a nested stack) and an invocation that has not the time.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent } from '../../shared/app/apply-event.ts';
import type { StackDirectory, StackInspector } from '../../shared/app/ports.ts';
import { ON_TIME_HORIZON_MS, ON_TIME_RESERVE_MS, sweep, type SweepOptions } from '../../shared/app/sweep.ts';
import { configFromText } from '../../shared/domain/config.ts';
import type { CloudFormationEvent } from '../../shared/domain/events.ts';
import { NO_FACTS } from '../../shared/domain/stack-facts.ts';
import { freshStore } from '../support/dynamodb.ts';
import { stackArn } from '../support/events.ts';
import { t } from '../support/states.ts';
import { stackStatus, watchdog, type Watchdog } from '../support/watchdog.ts';

const day = (clock: string): string => `2024-03-05T${clock}Z`;
const API = { name: 'api' };
const WORKER = { name: 'worker' };

/**
 * On time, the virtual clock moved to each instant waited for; `during` runs at an instant before
 * the clock gets there (what happened meanwhile).
 */
function onTime(
  dog: Watchdog,
  during: (at: number) => Promise<void> = async () => undefined,
): { waited: number[]; options: SweepOptions } {
  const waited: number[] = [];
  return {
    waited,
    options: {
      concurrency: 1,
      onTime: {
        waitUntil: async (at) => {
          waited.push(at);
          await during(at);
          dog.clock.now = at;
        },
      },
    },
  };
}

/** What happens during the wait: `event` arrives at `clock`. */
const arriving = (dog: Watchdog, clock: string, event: CloudFormationEvent) => async (): Promise<void> => {
  dog.clock.set(day(clock));
  await applyEvent(event, dog.deps);
};

async function deleting(dog: Watchdog, stacks: readonly { name: string }[], clock: string): Promise<void> {
  for (const stack of stacks) {
    dog.clock.set(day(clock));
    await applyEvent(stackStatus(stack, day(clock), 'DELETE_IN_PROGRESS'), dog.deps);
  }
}

const sentAs = (dog: Watchdog): string[][] =>
  dog.notifier.sent.map((sent) => [sent.severity, sent.stackName, new Date(sent.at).toISOString()]);

describe('sweep, on time', () => {
  it('sends a WARNING at the second its threshold falls due, not at the next minute', async () => {
    // Prepare: a deletion since 10:00:12; the sweep at 10:20:00 finds nothing due yet.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: day('10:00:12') });
    await deleting(dog, [API], '10:00:12');
    dog.clock.set(day('10:20:00'));
    const { waited, options } = onTime(dog);

    // Act
    const result = await sweep(dog.deps, options);

    // Assess
    expect(waited).toEqual([t('10:20:12')]);
    expect(sentAs(dog)).toEqual([['WARNING', 'api', '2024-03-05T10:20:12.000Z']]);
    expect(dog.notifier.sent[0]?.elapsedMs).toBe(20 * 60_000);
    expect(result.notifications.map((sent) => sent.severity)).toEqual(['WARNING']);
    expect(dog.escalations.sent.map((sent) => sent.at)).toEqual([t('10:20:12')]);
  });

  it('waits for each in time order and sends each at its own second', async () => {
    // Prepare: two deletions due in the same second, a third 20 s later; one already past it.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: day('10:00:00') });
    await deleting(dog, [{ name: 'late' }], '09:59:30');
    await deleting(dog, [API, WORKER], '10:00:12');
    await deleting(dog, [{ name: 'third' }], '10:00:32');
    dog.clock.set(day('10:20:00'));
    const { waited, options } = onTime(dog);

    // Act
    await sweep(dog.deps, options);

    // Assess: the one past its threshold at the sweep itself, the others at theirs.
    expect(waited).toEqual([t('10:20:12'), t('10:20:12'), t('10:20:32')]);
    expect(sentAs(dog)).toEqual([
      ['WARNING', 'late', '2024-03-05T10:20:00.000Z'],
      ['WARNING', 'api', '2024-03-05T10:20:12.000Z'],
      ['WARNING', 'worker', '2024-03-05T10:20:12.000Z'],
      ['WARNING', 'third', '2024-03-05T10:20:32.000Z'],
    ]);
  });

  it('waits for nothing past the horizon: the next sweep finds it, at most 10 s late', async () => {
    // Prepare: due 55 s after the sweep.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: day('10:00:55') });
    await deleting(dog, [API], '10:00:55');
    dog.clock.set(day('10:20:00'));
    const { waited, options } = onTime(dog);

    // Act
    await sweep(dog.deps, options);
    dog.clock.set(day('10:21:00'));
    await sweep(dog.deps, options);

    // Assess
    expect(ON_TIME_HORIZON_MS).toBe(50_000);
    expect(waited).toEqual([]);
    expect(sentAs(dog)).toEqual([['WARNING', 'api', '2024-03-05T10:21:00.000Z']]);
  });

  it('sends nothing when the operation ended while it waited', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: day('10:00:12') });
    await deleting(dog, [API], '10:00:12');
    dog.clock.set(day('10:20:00'));
    const { waited, options } = onTime(
      dog,
      arriving(dog, '10:20:05', stackStatus(API, day('10:20:05'), 'DELETE_COMPLETE')),
    );

    // Act
    await sweep(dog.deps, options);

    // Assess
    expect(waited).toEqual([t('10:20:12')]);
    expect(dog.notifier.sent).toEqual([]);
  });

  it('asks CloudFormation at the instant, and closes without paging what it says ended', async () => {
    // Prepare: the DELETE_COMPLETE was lost; CloudFormation knows the stack is gone.
    const { store } = await freshStore();
    const asked: number[] = [];
    const inspector: StackInspector = {
      describe: async () => {
        asked.push(dog.clock.now);
        return { exists: false };
      },
    };
    const dog = watchdog(store, { now: day('10:00:12'), inspector });
    await deleting(dog, [API], '10:00:12');
    dog.clock.set(day('10:20:00'));
    const { options } = onTime(dog);

    // Act
    await sweep(dog.deps, options);

    // Assess
    expect(asked).toEqual([t('10:20:12')]);
    expect(dog.notifier.sent).toEqual([]);
    const history = await store.stackHistory(stackArn(API));
    const statuses = history.map((event) => (event.kind === 'stack-status' ? event.status : event.kind));
    expect(statuses.sort()).toEqual(['DELETE_COMPLETE', 'DELETE_IN_PROGRESS']);
  });

  it('pages once when an overlapping sweep claims the escalation first', async () => {
    // Prepare: another sweep runs at the instant, just before this one's timer fires.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: day('10:00:12') });
    await deleting(dog, [API], '10:00:12');
    dog.clock.set(day('10:20:00'));
    const { options } = onTime(dog, async (at) => {
      dog.clock.now = at;
      await sweep(dog.deps, { concurrency: 1 });
    });

    // Act
    await sweep(dog.deps, options);

    // Assess
    expect(sentAs(dog)).toEqual([['WARNING', 'api', '2024-03-05T10:20:12.000Z']]);
  });

  it('pages the nested stack itself when its root stopped telling it during the wait', async () => {
    // Prepare: a root's update (thresholds far off) deletes a nested stack that hangs; the root's
    // update completes at 10:20:05, after the sweep read it, before the nested threshold.
    const { store } = await freshStore();
    const root = { name: 'core', uuid: '0a1b2c3d-0000-11ef-8c2a-0a1b2c3d4e5f' };
    const nested = { name: 'core-Scan-1N2E3S', uuid: '0a1b2c3d-1111-11ef-8c2a-0a1b2c3d4e5f' };
    const stacks: StackDirectory = {
      factsOf: async (stackId) => ({
        ...NO_FACTS,
        rootStackId: stackId === stackArn(nested) ? stackArn(root) : null,
      }),
    };
    const config = configFromText({ thresholds: 'UPDATE=60m/90m,*=20m/40m' });
    const dog = watchdog(store, { now: day('10:00:00'), stacks, config });
    const events: CloudFormationEvent[] = [
      stackStatus(root, day('10:00:00'), 'UPDATE_IN_PROGRESS'),
      stackStatus(nested, day('10:00:12'), 'DELETE_IN_PROGRESS'),
    ];
    for (const event of events) {
      dog.clock.now = event.time;
      await applyEvent(event, dog.deps);
    }
    dog.clock.set(day('10:20:00'));
    const { options } = onTime(dog, arriving(dog, '10:20:05', stackStatus(root, day('10:20:05'), 'UPDATE_COMPLETE')));

    // Act
    await sweep(dog.deps, options);

    // Assess
    expect(sentAs(dog)).toEqual([['WARNING', nested.name, '2024-03-05T10:20:12.000Z']]);
  });

  it('sends a WARNING and a CRITICAL falling due in one horizon, each at its second', async () => {
    // Prepare: thresholds 30 s apart.
    const { store } = await freshStore();
    const config = configFromText({ thresholds: '*=20m/1230s' });
    const dog = watchdog(store, { now: day('10:00:12'), config });
    await deleting(dog, [API], '10:00:12');
    dog.clock.set(day('10:20:00'));
    const { waited, options } = onTime(dog);

    // Act
    await sweep(dog.deps, options);

    // Assess
    expect(waited).toEqual([t('10:20:12'), t('10:20:42')]);
    expect(sentAs(dog)).toEqual([
      ['WARNING', 'api', '2024-03-05T10:20:12.000Z'],
      ['CRITICAL', 'api', '2024-03-05T10:20:42.000Z'],
    ]);
  });

  it('sends a CRITICAL reminder at its second, one interval after the CRITICAL went', async () => {
    // Prepare: reminders every 30 minutes; every sweep escalates on time.
    const { store } = await freshStore();
    const config = configFromText({ repeatCriticalEvery: '30m' });
    const dog = watchdog(store, { now: day('10:00:07'), config });
    await deleting(dog, [API], '10:00:07');
    const { options } = onTime(dog);

    // Act
    for (const minute of ['10:20:00', '10:40:00', '11:10:00']) {
      dog.clock.set(day(minute));
      await sweep(dog.deps, options);
    }

    // Assess
    expect(dog.notifier.sent.map((sent) => [sent.severity, sent.reminder, new Date(sent.at).toISOString()])).toEqual([
      ['WARNING', 0, '2024-03-05T10:20:07.000Z'],
      ['CRITICAL', 0, '2024-03-05T10:40:07.000Z'],
      ['CRITICAL', 1, '2024-03-05T11:10:07.000Z'],
    ]);
  });

  it('waits for no muted stack: nobody is paged', async () => {
    // Prepare
    const { store } = await freshStore();
    const config = configFromText({ mutes: ['^api$'] });
    const dog = watchdog(store, { now: day('10:00:12'), config });
    await deleting(dog, [API], '10:00:12');
    dog.clock.set(day('10:20:00'));
    const { waited, options } = onTime(dog);

    // Act
    await sweep(dog.deps, options);

    // Assess
    expect(waited).toEqual([]);
    expect(dog.notifier.sent).toEqual([]);
  });

  it('sends several stacks of one second once each, sixteen at a time', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: day('10:00:12') });
    const names = Array.from({ length: 20 }, (_, index) => ({ name: `svc-${index}` }));
    await deleting(dog, names, '10:00:12');
    dog.clock.set(day('10:20:00'));
    const { options } = onTime(dog);

    // Act
    await sweep(dog.deps, { ...options, concurrency: 16 });

    // Assess
    expect(dog.notifier.sent.map((sent) => sent.stackName).sort()).toEqual(names.map((stack) => stack.name).sort());
    expect(new Set(dog.notifier.sent.map((sent) => sent.at))).toEqual(new Set([t('10:20:12')]));
  });

  it('pages at its planned second an operation whose start a late event moved earlier during the wait', async () => {
    // Prepare: the update known from its cleanup at 10:00:40; its UPDATE_IN_PROGRESS of 10:00:12
    // arrives at 10:20:20, past the threshold it now has.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: day('10:00:40') });
    await applyEvent(stackStatus(API, day('10:00:40'), 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'), dog.deps);
    dog.clock.set(day('10:20:00'));
    const { waited, options } = onTime(
      dog,
      arriving(dog, '10:20:20', stackStatus(API, day('10:00:12'), 'UPDATE_IN_PROGRESS')),
    );

    // Act
    await sweep(dog.deps, options);

    // Assess
    expect(waited).toEqual([t('10:20:40')]);
    expect(dog.notifier.sent.map((sent) => [sent.severity, sent.startedAt, sent.at])).toEqual([
      ['WARNING', t('10:00:12'), t('10:20:40')],
    ]);
  });

  it.each([
    { what: 'in time: waits and sends', remainingAtSweepMs: 30_000 + ON_TIME_RESERVE_MS + 1, waits: 1 },
    { what: 'not in time: left to the next sweep', remainingAtSweepMs: 30_000 + ON_TIME_RESERVE_MS, waits: 0 },
  ])('with the invocation ending 30 s on plus the reserve, $what', async ({ remainingAtSweepMs, waits }) => {
    // Prepare: due 30 s after the sweep began.
    const { store } = await freshStore();
    const dog = watchdog(store, { now: day('10:00:30') });
    await deleting(dog, [API], '10:00:30');
    dog.clock.set(day('10:20:00'));
    const sweptAt = dog.clock.now;
    const { waited, options } = onTime(dog);

    // Act
    const result = await sweep(dog.deps, {
      ...options,
      remainingMs: () => remainingAtSweepMs - (dog.clock.now - sweptAt),
    });

    // Assess
    expect(waited.length).toBe(waits);
    expect(dog.notifier.sent.length).toBe(waits);
    expect(result.deferred).toBe(1 - waits);
  });
});
