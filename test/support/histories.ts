/**
 * fast-check generators of realistic CloudFormation histories: stacks of one or two services
 * (alpha-*, beta-*), in one to two accounts and regions, created (some through a change set, some rolled back), updated
 * (some stuck
 * in cleanup, some rolled back, some with their terminal event lost), deleted (some
 * DELETE_FAILED and retried) and replaced by stacks under new ids and sometimes new names; and
 * the same histories delivered shuffled and with duplicates.
 */
import fc from 'fast-check';
import type { StatusRecord } from '../../shared/domain/operations.ts';
import { parseStackArn } from '../../shared/domain/events.ts';
import { parseServiceRule, serviceKeyId, serviceKeyOf } from '../../shared/domain/service.ts';
import { formatInstant } from '../../shared/domain/time.ts';
import { stackArn } from './events.ts';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const BASE = Date.parse('2021-09-21T18:00:00Z');

/** The rules the generated stack names are meant for. */
export const SERVICE_RULES = [parseServiceRule('alpha=^alpha-'), parseServiceRule('beta=^beta-')];

/** The (account, region, service) a generated record belongs to, as one text. */
export function serviceIdOf(record: StatusRecord): string {
  const stack = parseStackArn(record.stackId);
  if (!stack) throw new Error(`not a stack ARN: ${record.stackId}`);
  return serviceKeyId(serviceKeyOf(stack, SERVICE_RULES));
}

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
  [
    'UPDATE_IN_PROGRESS',
    'UPDATE_ROLLBACK_IN_PROGRESS',
    'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
    'UPDATE_ROLLBACK_COMPLETE',
  ],
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
  [
    'DELETE_IN_PROGRESS',
    'DELETE_FAILED',
    'DELETE_IN_PROGRESS',
    'DELETE_FAILED',
    'DELETE_IN_PROGRESS',
    'DELETE_COMPLETE',
  ],
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
  readonly place: { readonly account: string; readonly region: string };
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

/** Where a slot's stacks live: mostly one account and region, so that services share them. */
const placeArb = fc.oneof(
  { arbitrary: fc.constant({ account: '123456789012', region: 'eu-west-1' }), weight: 6 },
  { arbitrary: fc.constant({ account: '123456789012', region: 'us-east-1' }), weight: 1 },
  { arbitrary: fc.constant({ account: '210987654321', region: 'eu-west-1' }), weight: 1 },
);

const slotArb: fc.Arbitrary<SlotPlan> = fc.record({
  service: fc.constantFrom('alpha' as const, 'beta' as const),
  place: placeArb,
  offsetMs: fc.integer({ min: 0, max: 120 }).map((m) => m * MIN),
  generations: fc.array(generationArb, { minLength: 1, maxLength: 3 }),
  gapsMs: fc.array(gapArb, { minLength: 16, maxLength: 16 }),
});

const pick = <T>(list: readonly T[], index: number): T => {
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
    const stackId = stackArn({
      name,
      ...slot.place,
      uuid: `${slotIndex}${generationIndex}aaaaaa-1b15-11ec-a8f1-0254c7e39ab2`,
    });
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
export const historyArb: fc.Arbitrary<StatusRecord[]> = fc
  .array(slotArb, { minLength: 1, maxLength: 4 })
  .map((slots) => slots.flatMap(slotHistory).sort((a, b) => a.time - b.time));

export interface Scenario {
  readonly inOrder: readonly StatusRecord[];
  readonly delivered: readonly StatusRecord[];
}

/** The same events, shuffled, with some delivered again (as copies, as EventBridge would). */
export const scenarioArb: fc.Arbitrary<Scenario> = historyArb.chain((inOrder) =>
  fc.array(fc.nat({ max: inOrder.length - 1 }), { maxLength: Math.min(20, inOrder.length * 2) }).chain((again) => {
    const all = [...inOrder, ...again.map((index) => pick(inOrder, index))];
    const indices = all.map((_, index) => index);
    return fc
      .shuffledSubarray(indices, { minLength: all.length, maxLength: all.length })
      .map((order) => ({ inOrder, delivered: order.map((index) => ({ ...pick(all, index) })) }));
  }),
);

/** A generated status record as EventBridge delivers it ("CloudFormation Stack Status Change"). */
export function eventOfRecord(record: StatusRecord, id: string): unknown {
  const stack = parseStackArn(record.stackId);
  return {
    version: '0',
    id,
    'detail-type': 'CloudFormation Stack Status Change',
    source: 'aws.cloudformation',
    account: stack?.account,
    time: formatInstant(record.time),
    region: stack?.region,
    resources: [record.stackId],
    detail: {
      'stack-id': record.stackId,
      'status-details': { status: record.status, 'status-reason': record.statusReason },
    },
  };
}
