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
import { parseServiceRule, serviceOf } from '../../shared/domain/service.ts';
import { emptyServiceState, viewService, withStatusRecord, type ServiceState } from '../../shared/domain/service-state.ts';
import { parseThresholds } from '../../shared/domain/thresholds.ts';
import { deriveWindows } from '../../shared/domain/windows.ts';
import { stackArn } from '../support/events.ts';

const NUM_RUNS = 200;
const MIN = 60_000;
const HOUR = 60 * MIN;
const BASE = Date.parse('2021-09-21T18:00:00Z');

const SERVICE_RULES = [parseServiceRule('alpha=^alpha-'), parseServiceRule('beta=^beta-')];
const CONFIG: WatchdogConfig = {
  ...DEFAULT_CONFIG,
  thresholds: parseThresholds('DELETE=20m/40m,UPDATE=30m/60m,*=20m/40m'),
  serviceRules: SERVICE_RULES,
};

// The ways CloudFormation runs, as status sequences of one stack.
const CREATES: readonly (readonly string[])[] = [
  ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE'],
  ['REVIEW_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE'],
  ['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE'],
  ['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_FAILED'],
  ['CREATE_IN_PROGRESS', 'CREATE_FAILED'],
];
const FAILED_CREATE_ENDS = new Set(['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'CREATE_FAILED']);
const UPDATES: readonly (readonly string[])[] = [
  ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE'],
  ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'],
  ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'],
  ['UPDATE_IN_PROGRESS', 'UPDATE_FAILED', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'],
  ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED'],
  // The terminal event never arrived: the next operation abandons this one.
  ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'],
  ['IMPORT_IN_PROGRESS', 'IMPORT_COMPLETE'],
  ['IMPORT_IN_PROGRESS', 'IMPORT_ROLLBACK_IN_PROGRESS', 'IMPORT_ROLLBACK_COMPLETE'],
];
const DELETES: readonly (readonly string[])[] = [
  ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
  ['DELETE_IN_PROGRESS', 'DELETE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
  ['DELETE_IN_PROGRESS', 'DELETE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_FAILED', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
];
/**
 * How the last stack of a slot may end: still there, deleted (the service may be left with no
 * stack), stuck after a failed delete, or still running.
 */
const LAST_ENDINGS: readonly (readonly string[])[] = [
  [],
  ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'],
  ['DELETE_IN_PROGRESS', 'DELETE_FAILED'],
  ['DELETE_IN_PROGRESS'],
  ['UPDATE_IN_PROGRESS'],
];

const REASONS: Readonly<Record<string, string>> = {
  CREATE_IN_PROGRESS: 'User Initiated',
  UPDATE_IN_PROGRESS: 'User Initiated',
  DELETE_IN_PROGRESS: 'User Initiated',
  ROLLBACK_IN_PROGRESS: 'The following resource(s) failed to create: [Queue].',
  UPDATE_ROLLBACK_IN_PROGRESS: 'The following resource(s) failed to update: [Function].',
  DELETE_FAILED: 'The following resource(s) failed to delete: [Function].',
};

/** One stack's life: how it is created, updated, and (unless it is the last) deleted. */
interface GenerationPlan {
  readonly renamed: boolean;
  readonly create: number;
  readonly updates: readonly number[];
  readonly remove: number;
  readonly lastEnding: number;
}

/** A place a service keeps a stack in: one stack after another, each replacing the one before. */
interface SlotPlan {
  readonly service: 'alpha' | 'beta';
  readonly offsetMs: number;
  readonly generations: readonly GenerationPlan[];
  readonly gapsMs: readonly number[];
}

const gapArb = fc.oneof(
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.integer({ min: 1, max: 600 }).map((s) => s * 1000), weight: 3 },
  { arbitrary: fc.integer({ min: 1, max: 55 }).map((m) => m * MIN), weight: 4 },
);

const generationArb: fc.Arbitrary<GenerationPlan> = fc.record({
  renamed: fc.boolean(),
  create: fc.nat({ max: CREATES.length - 1 }),
  updates: fc.array(fc.nat({ max: UPDATES.length - 1 }), { maxLength: 3 }),
  remove: fc.nat({ max: DELETES.length - 1 }),
  lastEnding: fc.nat({ max: LAST_ENDINGS.length - 1 }),
});

const slotArb: fc.Arbitrary<SlotPlan> = fc.record({
  service: fc.constantFrom('alpha' as const, 'beta' as const),
  offsetMs: fc.integer({ min: 0, max: 120 }).map((m) => m * MIN),
  generations: fc.array(generationArb, { minLength: 1, maxLength: 3 }),
  gapsMs: fc.array(gapArb, { minLength: 16, maxLength: 16 }),
});

const pick = <T,>(list: readonly T[], index: number): T => {
  const found = list[index];
  if (found === undefined) throw new Error(`no element ${index}`);
  return found;
};

/** The status records of a slot, in the order CloudFormation emitted them (times never decrease). */
function slotHistory(slot: SlotPlan, slotIndex: number): StatusRecord[] {
  const records: StatusRecord[] = [];
  let time = BASE + slot.offsetMs;
  let step = 0;
  let name = `${slot.service}-${slotIndex}`;
  slot.generations.forEach((generation, generationIndex) => {
    if (generationIndex > 0 && generation.renamed) name = `${slot.service}-${slotIndex}-v${generationIndex + 1}`;
    const stackId = stackArn({ name, uuid: `${slotIndex}${generationIndex}aaaaaa-1b15-11ec-a8f1-0254c7e39ab2` });
    const create = pick(CREATES, generation.create);
    const failedCreate = FAILED_CREATE_ENDS.has(create.at(-1) ?? '');
    const last = generationIndex === slot.generations.length - 1;
    const statuses = [
      ...create,
      ...(failedCreate ? [] : generation.updates.flatMap((index) => pick(UPDATES, index))),
      ...(last ? pick(LAST_ENDINGS, generation.lastEnding) : pick(DELETES, generation.remove)),
    ];
    for (const status of statuses) {
      records.push({ stackId, stackName: name, time, status, statusReason: REASONS[status] ?? '' });
      time += pick(slot.gapsMs, step % slot.gapsMs.length);
      step += 1;
    }
    // The replacement comes after the old stack is gone (sometimes at once, sometimes hours later).
    time += pick(slot.gapsMs, (step * 7) % slot.gapsMs.length) * 2;
  });
  return records;
}

/** Several slots of one or two services; the whole history in emission order. */
const historyArb: fc.Arbitrary<StatusRecord[]> = fc
  .array(slotArb, { minLength: 1, maxLength: 4 })
  .map((slots) => slots.flatMap(slotHistory).sort((a, b) => a.time - b.time));

interface Scenario {
  readonly inOrder: readonly StatusRecord[];
  readonly delivered: readonly StatusRecord[];
}

/** The same events, shuffled, with some delivered again (as copies, as EventBridge would). */
const scenarioArb: fc.Arbitrary<Scenario> = historyArb.chain((inOrder) =>
  fc.array(fc.nat({ max: inOrder.length - 1 }), { maxLength: Math.min(20, inOrder.length * 2) }).chain((again) => {
    const all = [...inOrder, ...again.map((index) => pick(inOrder, index))];
    const indices = all.map((_, index) => index);
    return fc
      .shuffledSubarray(indices, { minLength: all.length, maxLength: all.length })
      .map((order) => ({ inOrder, delivered: order.map((index) => ({ ...pick(all, index) })) }));
  }),
);

const stackIdsOf = (records: readonly StatusRecord[]): string[] => [...new Set(records.map((record) => record.stackId))].sort();
const servicesOf = (records: readonly StatusRecord[]): string[] =>
  [...new Set(records.map((record) => serviceOf(record.stackName, SERVICE_RULES)))].sort();
const ofStack = (records: readonly StatusRecord[], stackId: string) => records.filter((record) => record.stackId === stackId);
const ofService = (records: readonly StatusRecord[], service: string) =>
  records.filter((record) => serviceOf(record.stackName, SERVICE_RULES) === service);

function lastTime(records: readonly StatusRecord[]): number {
  return Math.max(...records.map((record) => record.time));
}

function foldState(service: string, records: readonly StatusRecord[]): ServiceState {
  let state = emptyServiceState({ account: '123456789012', region: 'eu-west-1', service });
  for (const record of records) state = withStatusRecord(state, record).state;
  return state;
}

describe('order independence (property)', () => {
  it('generates histories that exercise the interesting cases', () => {
    // Prepare
    const samples = fc.sample(historyArb, { numRuns: 300, seed: 42 });

    // Act
    const statuses = new Set(samples.flat().map((record) => record.status));
    const withReplacement = samples.filter((records) => new Set(records.map((r) => r.stackName)).size < stackIdsOf(records).length);
    const withWindows = samples.filter((records) =>
      servicesOf(records).some((service) => deriveWindows(ofService(records, service), lastTime(records) + 3 * HOUR, CONFIG).length > 0),
    );
    const awaitingReplacement = samples.filter((records) =>
      servicesOf(records).some((service) =>
        deriveWindows(ofService(records, service), lastTime(records) + 10 * MIN, CONFIG).some((window) => window.awaitingReplacementSince !== null),
      ),
    );

    // Assess
    for (const status of ['REVIEW_IN_PROGRESS', 'ROLLBACK_COMPLETE', 'UPDATE_FAILED', 'DELETE_FAILED', 'UPDATE_ROLLBACK_COMPLETE', 'DELETE_COMPLETE']) {
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
        const expected = services.map((service) => foldState(service, ofService(inOrder, service)).records);
        const actual = services.map((service) => foldState(service, ofService(delivered, service)).records);

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
        expect(state.records).toHaveLength(distinct.size);
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
        const actual = services.map((service) => viewService(foldState(service, ofService(delivered, service)), now, CONFIG).windows);

        // Assess
        expect(actual).toEqual(expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
