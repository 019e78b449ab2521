/**
 * loadReportData over a real (embedded) DynamoDB: what the report shows of a service whose
 * history was folded out of its state.
 */
import { describe, expect, it } from 'vitest';
import { loadReportData } from '../../cli/report-data.ts';
import { DEFAULT_CONFIG } from '../../shared/domain/config.ts';
import { freshStore } from '../support/dynamodb.ts';
import { stackArn } from '../support/events.ts';
import { iso, record, saveNew, serviceKey, stateOf, t } from '../support/states.ts';
import { stackStatus } from '../support/watchdog.ts';

describe('loadReportData', () => {
  it(
    "shows the operations of a window whose stacks the service no longer keeps, from the stacks' " + 'timelines',
    async () => {
      // Prepare: alpha-old's 08:00–08:30 deletion is long gone from the service's states; its window is kept.
      const { store } = await freshStore();
      const alpha = serviceKey('alpha');
      const old = { name: 'alpha-old' };
      await store.recordEvent(stackStatus(old, iso('08:00'), 'DELETE_IN_PROGRESS'));
      await store.recordEvent(stackStatus(old, iso('08:30'), 'DELETE_COMPLETE'));
      await store.recordEvent(stackStatus({ name: 'alpha' }, iso('10:00'), 'UPDATE_IN_PROGRESS'));
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
      const data = await loadReportData(store, { from: t('07:30'), to: t('09:00') }, DEFAULT_CONFIG, t('10:05'));

      // Assess
      expect(data.services.map((service) => service.key)).toEqual([alpha]);
      const stacks = data.services[0]?.stacks ?? [];
      expect(
        stacks.map((stack) => [
          stack.stackId,
          stack.operations.map((operation) => [operation.type, operation.start, operation.state]),
        ]),
      ).toEqual([[stackArn(old), [['DELETE', t('08:00'), 'ended']]]]);
    },
  );
});
