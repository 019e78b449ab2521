/**
 * A burst of one service (issue 14): 1,000 status events within a minute, applied by 50
 * concurrent writers on dynalite through the metered client, as Lambda would run them: an event
 * whose use case gives up is retried twice (Lambda's asynchronous retries), then dead-lettered.
 * Write units count as DynamoDB bills them, failed conditional writes included.
 */
import { applyEvent } from '../shared/app/apply-event.ts';
import { parseCloudFormationEvent } from '../shared/domain/cfn-event.ts';
import { configFromText } from '../shared/domain/config.ts';
import type { CloudFormationEvent } from '../shared/domain/events.ts';
import { NO_FACTS } from '../shared/domain/stack-facts.ts';
import { meteredDb, pool, recordingDeps, round } from './harness.ts';

/** Lambda's asynchronous invocation: the first attempt and two retries. */
const LAMBDA_ATTEMPTS = 3;
const WRITERS = 50;
const EVENTS = 1000;

export interface BurstShape {
  /**
   * `time`: as EventBridge delivers a burst; `stack`: each stack's statuses at once (the worst case, not the target).
   */
  readonly order: 'time' | 'stack';
  readonly stacks: number;
  readonly statusesPerStack: number;
  readonly deadLetters: number;
  readonly lambdaRetries: number;
  readonly writeUnitsPerEvent: number;
  readonly conditionalFailures: number;
}

export interface BurstFigures {
  /** Events dead-lettered across the shapes: the target is 0. */
  readonly burstDeadLetters: number;
  /** The larger of the shapes' write units per event, delivered in time order: the target is ≤ 5. */
  readonly burstWriteUnitsPerEvent: number;
  readonly shapes: readonly BurstShape[];
}

// Two deployments in the minute: the second rolls back (five statuses of one stack racing each other).
const SHAPES = [
  ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'],
  [
    'UPDATE_IN_PROGRESS',
    'UPDATE_COMPLETE',
    'UPDATE_IN_PROGRESS',
    'UPDATE_ROLLBACK_IN_PROGRESS',
    'UPDATE_ROLLBACK_COMPLETE',
  ],
] as const;

function burstEvents(statuses: readonly string[]): CloudFormationEvent[] {
  const stackCount = EVENTS / statuses.length;
  return Array.from({ length: stackCount }, (_, index) => {
    const arn =
      `arn:aws:cloudformation:eu-west-1:123456789012:stack/shop-${index}/` +
      `${String(index).padStart(8, '0')}-1b15-11ec-a8f1-0254c7e39ab2`;
    return statuses.map((status, phase) =>
      parseCloudFormationEvent({
        version: '0',
        id: `${index}-${phase}`,
        'detail-type': 'CloudFormation Stack Status Change',
        source: 'aws.cloudformation',
        account: '123456789012',
        time: `2024-03-05T10:00:${String(phase * 10 + (index % 10)).padStart(2, '0')}Z`,
        region: 'eu-west-1',
        resources: [arn],
        detail: { 'stack-id': arn, 'status-details': { status, 'status-reason': '' }, 'client-request-token': '' },
      }),
    );
  }).flat();
}

async function burst(statuses: readonly string[], order: BurstShape['order']): Promise<BurstShape> {
  const db = await meteredDb();
  try {
    const config = configFromText({ serviceRules: ['shop=^shop-'] });
    const deps = recordingDeps(db.store, config, { factsOf: async () => NO_FACTS }).with(() =>
      Date.parse('2024-03-05T10:01:00Z'),
    );
    // In time order a stack's statuses come 10 s apart; stack by stack, 50 writers race on each.
    const events = order === 'time' ? burstEvents(statuses).sort((a, b) => a.time - b.time) : burstEvents(statuses);
    db.meter.reset();
    let deadLetters = 0;
    let lambdaRetries = 0;
    await pool(events, WRITERS, async (event) => {
      for (let attempt = 1; attempt <= LAMBDA_ATTEMPTS; attempt++) {
        try {
          await applyEvent(event, deps);
          return;
        } catch {
          if (attempt < LAMBDA_ATTEMPTS) lambdaRetries++;
        }
      }
      deadLetters++;
    });
    const tally = db.meter.tally;
    return {
      order,
      stacks: EVENTS / statuses.length,
      statusesPerStack: statuses.length,
      deadLetters,
      lambdaRetries,
      writeUnitsPerEvent: round(tally.writeUnits / events.length, 3),
      conditionalFailures: tally.conditionalFailures,
    };
  } finally {
    await db.close();
  }
}

export async function benchBurst(): Promise<BurstFigures> {
  const shapes: BurstShape[] = [];
  for (const statuses of SHAPES)
    for (const order of ['time', 'stack'] as const) shapes.push(await burst(statuses, order));
  return {
    burstDeadLetters: shapes.reduce((sum, shape) => sum + shape.deadLetters, 0),
    burstWriteUnitsPerEvent: Math.max(
      ...shapes.filter((shape) => shape.order === 'time').map((shape) => shape.writeUnitsPerEvent),
    ),
    shapes,
  };
}
