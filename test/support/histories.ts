/**
 * fast-check generators of realistic CloudFormation histories for one service: stacks created,
 * updated (some stuck in cleanup, some rolled back), deleted (some DELETE_FAILED and retried),
 * replaced by stacks under new ids, with terminal events sometimes lost; phases long enough to
 * cross the 20/40-minute thresholds and gaps long enough to span days.
 */
import fc from 'fast-check';
import type { StatusRecord } from '../../shared/domain/operations.ts';
import { stackArn } from './events.ts';

const MINUTE = 60_000;
export const HISTORY_EPOCH = Date.parse('2025-03-01T08:00:00Z');

type Outcome = 'ok' | 'rollback' | 'failed-then-retried';

interface StackPlan {
  readonly offsetMinutes: number;
  readonly create: Outcome;
  readonly updates: readonly { gapMinutes: number; phaseMinutes: readonly number[]; outcome: Outcome }[];
  readonly deleteAfterMinutes: number | null;
  readonly deleteOutcome: Outcome;
  readonly phaseMinutes: readonly number[];
  readonly loseTerminal: boolean;
}

const phases = fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 3, maxLength: 3 });
const outcome = fc.constantFrom<Outcome>('ok', 'ok', 'rollback', 'failed-then-retried');

const stackPlan: fc.Arbitrary<StackPlan> = fc.record({
  offsetMinutes: fc.integer({ min: 0, max: 3 * 24 * 60 }),
  create: outcome,
  updates: fc.array(
    fc.record({ gapMinutes: fc.integer({ min: 1, max: 2 * 24 * 60 }), phaseMinutes: phases, outcome }),
    { maxLength: 4 },
  ),
  deleteAfterMinutes: fc.option(fc.integer({ min: 1, max: 24 * 60 }), { nil: null }),
  deleteOutcome: outcome,
  phaseMinutes: phases,
  loseTerminal: fc.boolean(),
});

function expand(plan: StackPlan, index: number): StatusRecord[] {
  const name = `orders-${index % 2 === 0 ? 'api' : 'worker'}`;
  const stackId = stackArn({ name, account: '210987654321', region: 'eu-west-1', uuid: `0000000${index}-aaaa-11ee-8000-000000000000` });
  const records: StatusRecord[] = [];
  let clock = HISTORY_EPOCH + plan.offsetMinutes * MINUTE;
  const emit = (status: string, afterMinutes = 0): void => {
    clock += afterMinutes * MINUTE + 7_000;
    records.push({ stackId, stackName: name, time: clock, status, statusReason: status.endsWith('FAILED') ? 'Resource failed' : '' });
  };
  const [a = 0, b = 0, c = 0] = plan.phaseMinutes;

  emit('CREATE_IN_PROGRESS');
  if (plan.create === 'ok') emit('CREATE_COMPLETE', a);
  else {
    emit('ROLLBACK_IN_PROGRESS', a);
    emit('ROLLBACK_COMPLETE', b);
  }
  if (plan.create === 'ok') {
    for (const update of plan.updates) {
      const [u1 = 0, u2 = 0, u3 = 0] = update.phaseMinutes;
      emit('UPDATE_IN_PROGRESS', update.gapMinutes);
      if (update.outcome === 'rollback') {
        emit('UPDATE_ROLLBACK_IN_PROGRESS', u1);
        emit('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', u2);
        emit('UPDATE_ROLLBACK_COMPLETE', u3);
      } else {
        emit('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', u1);
        emit('UPDATE_COMPLETE', u2);
      }
    }
  }
  if (plan.deleteAfterMinutes !== null) {
    emit('DELETE_IN_PROGRESS', plan.deleteAfterMinutes);
    if (plan.deleteOutcome === 'failed-then-retried') {
      emit('DELETE_FAILED', b);
      emit('DELETE_IN_PROGRESS', 5);
    }
    emit('DELETE_COMPLETE', c);
  }
  if (plan.loseTerminal && records.length > 2) records.splice(records.length - 1, 1);
  return records;
}

/** One service's status records, in time order: one to four stacks, each a whole lifecycle. */
export const serviceHistory: fc.Arbitrary<StatusRecord[]> = fc
  .array(stackPlan, { minLength: 1, maxLength: 4 })
  .map((plans) => plans.flatMap(expand).sort((x, y) => x.time - y.time));
