/**
 * Adaptive thresholds (issue 18) through the use cases and the real store: a stack whose updates
 * take about 4 minutes pages at 8 and 16 when an update hangs, says why, and its impact window
 * still opens at the fixed threshold.
 */
import { describe, expect, it } from 'vitest';
import { bodyOf } from '../../shared/adapters/sns-message.ts';
import { applyEvent } from '../../shared/app/apply-event.ts';
import { sweep } from '../../shared/app/sweep.ts';
import { configFromText } from '../../shared/domain/config.ts';
import type { Notification } from '../../shared/domain/notification.ts';
import { freshStore } from '../support/dynamodb.ts';
import { iso, serviceKey, serviceViewIn, t } from '../support/states.ts';
import { stackStatus, watchdog, type Watchdog } from '../support/watchdog.ts';

const api = { name: 'api' };
const MIN = 60_000;

/** Six updates of 3 to 4 minutes, one an hour from 04:00, then one that hangs from 10:00. */
async function usualThenHung(dog: Watchdog): Promise<void> {
  const minutes = [4, 3, 4, 4, 3, 4];
  for (const [index, length] of minutes.entries()) {
    const start = `0${4 + index}:00`;
    dog.clock.set(iso(start));
    await applyEvent(stackStatus(api, iso(start), 'UPDATE_IN_PROGRESS'), dog.deps);
    dog.clock.set(iso(`0${4 + index}:0${length}`));
    await applyEvent(stackStatus(api, iso(`0${4 + index}:0${length}`), 'UPDATE_COMPLETE'), dog.deps);
  }
  dog.clock.set(iso('10:00'));
  await applyEvent(stackStatus(api, iso('10:00'), 'UPDATE_IN_PROGRESS'), dog.deps);
}

/** Sweeps every minute from `from` to `until`, and returns what went out so far. */
async function sweepEveryMinute(dog: Watchdog, until: number, from = t('10:01')): Promise<Notification[]> {
  for (let at = from; at <= until; at += MIN) {
    dog.clock.now = at;
    await sweep(dog.deps);
  }
  return dog.notifier.sent;
}

describe('adaptive thresholds', () => {
  it.each([
    ['UPDATE=auto,*=20m/40m', ['WARNING 10:08', 'CRITICAL 10:16']],
    ['*=20m/40m', ['WARNING 10:20', 'CRITICAL 10:40']],
  ])('with %s, page a hung update of a stack whose updates take 4 minutes at %j', async (thresholds, expected) => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('04:00'), config: configFromText({ thresholds }) });
    await usualThenHung(dog);

    // Act
    const sent = await sweepEveryMinute(dog, t('10:45'));

    // Assess
    expect(sent.map((n) => `${n.severity} ${new Date(n.at).toISOString().slice(11, 16)}`)).toEqual(expected);
  });

  it('says which rule fired, in the alert and in its event', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('04:00'), config: configFromText({ thresholds: 'UPDATE=auto' }) });
    await usualThenHung(dog);

    // Act
    const [warning] = await sweepEveryMinute(dog, t('10:08'));

    // Assess
    expect(warning?.threshold).toEqual({ kind: 'adaptive', p95Ms: 4 * MIN, operations: 6 });
    expect(bodyOf(warning as Notification)).toContain(
      "Threshold:  adaptive, 2.0× this stack's usual 4 min (p95 of 6 updates)",
    );
    expect(dog.escalations.sent[0]?.threshold).toEqual(warning?.threshold);
  });

  it('leaves the impact window on the fixed thresholds: none at 10:10, one from 10:00 at 10:20', async () => {
    // Prepare
    const { store } = await freshStore();
    const dog = watchdog(store, { now: iso('04:00'), config: configFromText({ thresholds: 'UPDATE=auto' }) });
    await usualThenHung(dog);

    // Act
    await sweepEveryMinute(dog, t('10:10'));
    const early = await serviceViewIn(store, serviceKey('api'), t('10:10'), dog.deps.config);
    await sweepEveryMinute(dog, t('10:20'), t('10:11'));
    const later = await serviceViewIn(store, serviceKey('api'), t('10:20'), dog.deps.config);

    // Assess
    expect(dog.notifier.sent.map((n) => n.severity)).toEqual(['WARNING', 'CRITICAL']);
    expect(early.windows).toEqual([]);
    expect(later.windows.map((window) => [window.start, window.end])).toEqual([[t('10:00'), null]]);
  });
});
