/**
 * Once a day: checks that the watchdog can still watch (table, alerts topic, window-events bus,
 * key, the sweeper's last completed sweep) and pages the ops topic when it cannot; names the
 * stacks newly muted by their tag. Invoke it by hand to test the ops topic's path.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { selfCheck, type SelfCheckResult } from '../../shared/app/self-check.ts';
import { wireSelfCheck } from '../../shared/adapters/self-check-wiring.ts';

const logger = new Logger();
const deps = wireSelfCheck(process.env, logger);

/**
 * One self-check; exported apart from the middy wrapper for tests.
 *
 * @example
 * const { checks, sent } = await handleSelfCheck();
 */
export async function handleSelfCheck(): Promise<SelfCheckResult> {
  return selfCheck(deps);
}

export const handler = middy<unknown, SelfCheckResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(() => handleSelfCheck());
