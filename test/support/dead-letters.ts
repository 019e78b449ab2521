/**
 * Dead letters as the two senders write them (template.yaml, EventsDeadLetterQueue), around the
 * repository's real sample events (events/samples/).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './shared-files.ts';

export type Json = Record<string, unknown>;

/** One of events/samples/*.json, parsed. */
export const sampleEvent = (file: string): Json =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'events/samples', file), 'utf8')) as Json;

export const STACK_SAMPLE = 'stack-status-delete-in-progress.json';
export const RESOURCE_SAMPLE = 'resource-status-lambda-waiting-for-enis.json';
export const ROLLBACK_SAMPLE = 'stack-status-rollback-complete.json';

/** The attributes EventBridge sets on an event it could not deliver to the rule's target. */
export const eventBridgeAttributes = (overrides: Record<string, string> = {}): Record<string, string> => ({
  RULE_ARN: 'arn:aws:events:eu-central-1:123456789012:rule/cfn-watchdog-cfn-events',
  TARGET_ARN: 'arn:aws:lambda:eu-central-1:123456789012:function:cfn-watchdog-StackEventsFunction-AbC123',
  ERROR_CODE: 'THROTTLING',
  ERROR_MESSAGE: 'Rate exceeded',
  EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
  RETRY_ATTEMPTS: '4',
  ...overrides,
});

/** The record Lambda's OnFailure destination sends for an event the function threw on (Node.js runtime). */
export function lambdaFailureRecord(
  event: unknown,
  error = { errorType: 'InvalidEventError', errorMessage: 'time: expected …' },
): Json {
  return {
    version: '1.0',
    timestamp: '2021-09-21T19:12:03.117Z',
    requestContext: {
      requestId: 'c2a6f2ae-7dbb-4d22-8782-d0485c9877e2',
      functionArn: 'arn:aws:lambda:eu-central-1:123456789012:function:cfn-watchdog-StackEventsFunction-AbC123:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { ...error, trace: ['InvalidEventError: …', '    at parse (file:///var/task/handler.mjs:1:1)'] },
  };
}
