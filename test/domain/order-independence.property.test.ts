/**
 * DESIGN.md, "Operations": "The result must not depend on delivery order … For the same set of
 * events, delivered in any order and with any duplicates, the operations and windows recorded
 * are identical." Realistic per-stack histories are generated with monotone times, then
 * delivered shuffled and with duplicates; everything derived must equal the in-order result.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import { deriveOperations, type StatusRecord } from '../../shared/domain/operations.ts';
import { emptyFixture, viewService, withStatusRecord, type ServiceFixture } from '../support/service-fixture.ts';
import { recordsOf } from '../support/service-fixture.ts';
import { parseThresholds } from '../../shared/domain/thresholds.ts';
import { deriveWindows } from '../../shared/domain/windows.ts';
import { HOUR, MIN, historyArb, scenarioArb, SERVICE_RULES, serviceIdOf } from '../support/histories.ts';

const NUM_RUNS = 200;
const CONFIG: WatchdogConfig = {
  ...DEFAULT_CONFIG,
  thresholds: parseThresholds('DELETE=20m/40m,UPDATE=30m/60m,*=20m/40m'),
  serviceRules: SERVICE_RULES,
};

const stackIdsOf = (records: readonly StatusRecord[]): string[] =>
  [...new Set(records.map((record) => record.stackId))].sort();
/** The (account, region, service) keys of the records, as texts. */
const servicesOf = (records: readonly StatusRecord[]): string[] => [...new Set(records.map(serviceIdOf))].sort();
const ofStack = (records: readonly StatusRecord[], stackId: string) =>
  records.filter((record) => record.stackId === stackId);
const ofService = (records: readonly StatusRecord[], service: string) =>
  records.filter((record) => serviceIdOf(record) === service);

function lastTime(records: readonly StatusRecord[]): number {
  return Math.max(...records.map((record) => record.time));
}

function foldState(service: string, records: readonly StatusRecord[]): ServiceFixture {
  const [account = '', region = '', name = service] = service.split('#');
  let state = emptyFixture({ account, region, service: name });
  for (const record of records) state = withStatusRecord(state, record).state;
  return state;
}

describe('order independence (property)', () => {
  it('generates histories that exercise the interesting cases', () => {
    // Prepare
    const samples = fc.sample(historyArb, { numRuns: 300, seed: 42 });

    // Act
    const statuses = new Set(samples.flat().map((record) => record.status));
    const withReplacement = samples.filter(
      (records) => new Set(records.map((r) => r.stackName)).size < stackIdsOf(records).length,
    );
    const withWindows = samples.filter((records) =>
      servicesOf(records).some(
        (service) => deriveWindows(ofService(records, service), lastTime(records) + 3 * HOUR, CONFIG).length > 0,
      ),
    );
    const awaitingReplacement = samples.filter((records) =>
      servicesOf(records).some((service) =>
        deriveWindows(ofService(records, service), lastTime(records) + 10 * MIN, CONFIG).some(
          (window) => window.awaitingReplacementSince !== null,
        ),
      ),
    );

    // Assess
    for (const status of [
      'REVIEW_IN_PROGRESS',
      'ROLLBACK_COMPLETE',
      'UPDATE_FAILED',
      'DELETE_FAILED',
      'UPDATE_ROLLBACK_COMPLETE',
      'DELETE_COMPLETE',
    ]) {
      expect(statuses).toContain(status);
    }
    expect(withReplacement.length).toBeGreaterThan(10);
    expect(withWindows.length).toBeGreaterThan(100);
    expect(awaitingReplacement.length).toBeGreaterThan(5);
  });

  it('derives the same operations per stack for any delivery order and duplicates', () => {
    fc.assert(
      fc.property(scenarioArb, ({ inOrder, delivered }) => {
        // Prepare
        const stackIds = stackIdsOf(inOrder);

        // Act
        const expected = stackIds.map((stackId) => deriveOperations(ofStack(inOrder, stackId)));
        const actual = stackIds.map((stackId) => deriveOperations(ofStack(delivered, stackId)));

        // Assess
        expect(actual).toEqual(expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it.each([
    ['3 h after the last event', 3 * HOUR],
    ['10 min after the last event', 10 * MIN],
  ])('derives the same windows per service as of %s for any delivery order and duplicates', (_what, afterLast) => {
    fc.assert(
      fc.property(scenarioArb, ({ inOrder, delivered }) => {
        // Prepare
        const now = lastTime(inOrder) + afterLast;
        const services = servicesOf(inOrder);

        // Act
        const expected = services.map((service) => deriveWindows(ofService(inOrder, service), now, CONFIG));
        const actual = services.map((service) => deriveWindows(ofService(delivered, service), now, CONFIG));

        // Assess
        expect(actual).toEqual(expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('derives the same windows as of any moment during the history', () => {
    fc.assert(
      fc.property(scenarioArb, fc.double({ min: 0, max: 1, noNaN: true }), ({ inOrder, delivered }, fraction) => {
        // Prepare
        const first = Math.min(...inOrder.map((record) => record.time));
        const now = Math.round(first + (lastTime(inOrder) - first) * fraction);
        const services = servicesOf(inOrder);

        // Act
        const expected = services.map((service) => deriveWindows(ofService(inOrder, service), now, CONFIG));
        const actual = services.map((service) => deriveWindows(ofService(delivered, service), now, CONFIG));

        // Assess
        expect(actual).toEqual(expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('keeps the same records in the service state, whatever the order of withStatusRecord calls', () => {
    fc.assert(
      fc.property(scenarioArb, ({ inOrder, delivered }) => {
        // Prepare
        const services = servicesOf(inOrder);

        // Act
        const expected = services.map((service) => recordsOf(foldState(service, ofService(inOrder, service))));
        const actual = services.map((service) => recordsOf(foldState(service, ofService(delivered, service))));

        // Assess
        expect(actual).toEqual(expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('reports every duplicate delivery to withStatusRecord as unchanged', () => {
    fc.assert(
      fc.property(scenarioArb, ({ inOrder, delivered }) => {
        // Prepare
        let state = foldState('all', []);
        let changes = 0;

        // Act
        for (const record of delivered) {
          const result = withStatusRecord(state, record);
          state = result.state;
          if (result.changed) changes += 1;
        }

        // Assess: each distinct (stack, time, status) changes the state exactly once.
        const distinct = new Set(inOrder.map((record) => `${record.stackId}|${record.time}|${record.status}`));
        expect(changes).toBe(distinct.size);
        expect(recordsOf(state)).toHaveLength(distinct.size);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('gives the service view built one delivery at a time the windows of the in-order history', () => {
    fc.assert(
      fc.property(scenarioArb, ({ inOrder, delivered }) => {
        // Prepare
        const now = lastTime(inOrder) + 3 * HOUR;
        const services = servicesOf(inOrder);

        // Act
        const expected = services.map((service) => deriveWindows(ofService(inOrder, service), now, CONFIG));
        const actual = services.map(
          (service) => viewService(foldState(service, ofService(delivered, service)), now, CONFIG).windows,
        );

        // Assess
        expect(actual).toEqual(expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
