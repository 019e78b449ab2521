/**
 * serviceTimelines and stackTimelines over a real (embedded) DynamoDB: a service's stacks come
 * from its state and, once its history was folded, from the windows archived then.
 */
import { describe, expect, it } from 'vitest';
import { serviceTimelines, stackTimelines } from '../../shared/app/timeline.ts';
import { freshStore } from '../support/dynamodb.ts';
import { stackArn } from '../support/events.ts';
import { iso, record, saveNew, serviceKey, stateOf, t } from '../support/states.ts';
import { stackStatus } from '../support/watchdog.ts';

const old = { name: 'alpha-old' };
const namesake = { name: 'alpha-old', region: 'us-east-1' };
const current = { name: 'alpha' };

describe('serviceTimelines', () => {
  it(
    "finds stacks the service no longer keeps a state of through its windows, and only in the service's account " +
      'and region',
    async () => {
      // Prepare: alpha-old was deleted long ago (its state expired); its window is kept for good.
      const { store } = await freshStore();
      const alpha = serviceKey('alpha');
      for (const event of [
        stackStatus(old, iso('08:00'), 'DELETE_IN_PROGRESS'),
        stackStatus(old, iso('08:30'), 'DELETE_COMPLETE'),
        stackStatus(namesake, iso('08:10'), 'CREATE_IN_PROGRESS'),
        stackStatus(current, iso('10:00'), 'UPDATE_IN_PROGRESS'),
      ]) {
        await store.recordEvent(event);
      }
      await store.saveWindowEntry(
        {
          key: alpha,
          id: t('08:00'),
          version: 0,
          window: {
            start: t('08:00'),
            end: t('08:30'),
            peakSeverity: 'WARNING',
            stacks: ['alpha-old'],
            awaitingReplacementSince: null,
          },
          announcements: [],
        },
        t('08:31'),
      );
      await saveNew(store, stateOf(alpha, [record('alpha', '10:00', 'UPDATE_IN_PROGRESS')]), t('10:00'));

      // Act
      const services = await serviceTimelines(store, { service: 'alpha', from: t('07:00'), to: t('11:00') });

      // Assess
      expect(
        services.map(({ key, stacks }) => [
          key,
          stacks.map((stack) => [stack.stackId, stack.events.map((event) => event.status)]),
        ]),
      ).toEqual([
        [
          alpha,
          [
            [stackArn(old), ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']],
            [stackArn(current), ['UPDATE_IN_PROGRESS']],
          ],
        ],
      ]);
    },
  );

  it('returns no service for a name never seen, and leaves out stacks with no event in the range', async () => {
    // Prepare
    const { store } = await freshStore();
    await store.recordEvent(stackStatus(current, iso('10:00'), 'UPDATE_IN_PROGRESS'));
    await saveNew(store, stateOf(serviceKey('alpha'), [record('alpha', '10:00', 'UPDATE_IN_PROGRESS')]), t('10:00'));

    // Act
    const unknown = await serviceTimelines(store, { service: 'beta', from: t('07:00'), to: t('11:00') });
    const before = await serviceTimelines(store, { service: 'alpha', from: t('07:00'), to: t('09:00') });

    // Assess
    expect(unknown).toEqual([]);
    expect(before.map(({ stacks }) => stacks)).toEqual([[]]);
  });
});

describe('stackTimelines', () => {
  it('reads a stack by ARN without the name index, and by name every stack that had it', async () => {
    // Prepare
    const { store } = await freshStore();
    await store.recordEvent(stackStatus(old, iso('08:00'), 'DELETE_IN_PROGRESS'));
    await store.recordEvent(stackStatus(namesake, iso('08:10'), 'CREATE_IN_PROGRESS'));

    // Act
    const byArn = await stackTimelines(store, stackArn(namesake), { from: t('07:00'), to: t('11:00') });
    const byName = await stackTimelines(store, 'alpha-old', { from: t('07:00'), to: t('11:00') });

    // Assess
    expect(byArn.map((stack) => [stack.stackId, stack.region])).toEqual([[stackArn(namesake), 'us-east-1']]);
    expect(byName.map((stack) => stack.stackId)).toEqual([stackArn(old), stackArn(namesake)]);
  });
});
