/**
 * Every minute: escalates operations that run too long (after asking CloudFormation), re-sends
 * what failed to send, and closes windows whose grace ran out; waits for the thresholds falling
 * due before the next minute to escalate each on time; then notes the sweep's heartbeat, which
 * the daily self-check reads.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { sweep, SweepIncompleteError, type SweepResult } from '../../shared/app/sweep.ts';
import { waitForClock } from '../../shared/adapters/timers.ts';
import { wireSweeperLambda } from '../../shared/adapters/lambda-wiring.ts';
import { recordNotifications, recordOpenOperations } from '../../shared/adapters/watchdog-metrics.ts';

const logger = new Logger();
const metrics = new Metrics();
const { deps, onTimeEscalation } = wireSweeperLambda(process.env, logger);
/** A timer: the invocation waits for a threshold falling due before the next sweep (OnTimeEscalation). */
const onTime = onTimeEscalation ? { waitUntil: (at: number) => waitForClock(deps.clock, at) } : undefined;

/**
 * One sweep, within the invocation's time (what it has no time for is left to the next one);
 * exported apart from the middy wrapper for tests.
 *
 * @example
 * await handleSweep(() => context.getRemainingTimeInMillis());
 */
export async function handleSweep(remainingMs?: () => number): Promise<SweepResult> {
  let result: SweepResult;
  try {
    result = await sweep(deps, { remainingMs, onTime });
  } catch (error) {
    // The sweep went through, but some sends failed (their Errors alarm says so, and the next
    // sweep re-sends them): escalation runs, which is what the heartbeat tells the self-check.
    if (error instanceof SweepIncompleteError) await deps.store.recordSweepHeartbeat(deps.clock());
    throw error;
  }
  // Once the sweep went through (one that fails otherwise writes none), and here rather than in
  // the use case: the replay's virtual sweeps must not leave a heartbeat in a replay's table.
  await deps.store.recordSweepHeartbeat(deps.clock());
  recordOpenOperations(metrics, result.openOperations);
  recordNotifications(metrics, result.notifications);
  logger.info('swept', {
    servicesSwept: result.servicesSwept,
    windowEvents: result.windowEvents,
    deferred: result.deferred,
    notifications: result.notifications.map((sent) => `${sent.severity} ${sent.stackName}`),
  });
  return result;
}

export const handler = middy<ScheduledEvent, SweepResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .handler((_event: ScheduledEvent, context: Context) => handleSweep(() => context.getRemainingTimeInMillis()));
