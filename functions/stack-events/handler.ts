/**
 * EventBridge → "CloudFormation Stack/Resource Status Change" → the core. A malformed event is
 * logged with the field at fault and thrown, so that EventBridge's retries and the dead-letter
 * queue apply: nothing is dropped silently.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { applyEvent, type ApplyOutcome } from '../../shared/app/apply-event.ts';
import { wireStackEventsLambda } from '../../shared/adapters/lambda-wiring.ts';
import { recordEventLag, recordNotifications } from '../../shared/adapters/watchdog-metrics.ts';
import { InvalidEventError, parseCloudFormationEvent } from '../../shared/domain/cfn-event.ts';
import type { CloudFormationEvent } from '../../shared/domain/events.ts';

const logger = new Logger();
const metrics = new Metrics();
const deps = wireStackEventsLambda(process.env, logger);

function parse(input: unknown): CloudFormationEvent {
  try {
    // The injected clock, so that an event dated in the future of it is refused (docs/security.md).
    return parseCloudFormationEvent(input, { now: deps.clock() });
  } catch (error) {
    if (error instanceof InvalidEventError) {
      logger.error('malformed CloudFormation event: thrown so that it is retried and dead-lettered', {
        eventId: error.eventId,
        field: error.field,
        error: error.message,
      });
    }
    throw error;
  }
}

/**
 * Applies one event; exported apart from the middy wrapper for tests.
 *
 * @example
 * await handleStackEvent(eventBridgeEvent);
 */
export async function handleStackEvent(input: unknown): Promise<ApplyOutcome> {
  const event = parse(input);
  logger.appendKeys({ eventId: event.eventId, stackId: event.stackId });
  const outcome = await applyEvent(event, deps);
  recordEventLag(metrics, event.time, deps.clock());
  if (outcome.kind === 'applied') recordNotifications(metrics, outcome.notifications);
  // `service` is Powertools' own key (the function's name), hence the longer one.
  if ('key' in outcome) logger.appendKeys({ stackService: outcome.key.service });
  logger.info('event applied', {
    outcome: outcome.kind,
    notifications: outcome.kind === 'applied' ? outcome.notifications.map((sent) => sent.severity) : [],
  });
  return outcome;
}

export const handler = middy<unknown, ApplyOutcome>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .handler(handleStackEvent);
