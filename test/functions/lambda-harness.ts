/**
 * Loads the real handler modules as Lambda would (configuration from the environment at import),
 * against a fresh dynalite table; SNS and CloudFormation are mocked at the SDK boundary.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { inject, vi } from 'vitest';
import { createDynamoDbStore, ensureTable } from '../../shared/adapters/dynamodb-store.ts';
import { localDynamoDbClient } from '../../shared/adapters/embedded-dynamodb.ts';
import type { WatchdogStore } from '../../shared/app/ports.ts';

export const TOPIC_ARN = 'arn:aws:sns:eu-central-1:123456789012:cfn-watchdog-alerts';

export interface LoadedLambdas {
  readonly stackEvents: typeof import('../../functions/stack-events/handler.ts');
  readonly sweeper: typeof import('../../functions/sweeper/handler.ts');
  /** A store over the handlers' table, to look at what they wrote. */
  readonly store: WatchdogStore;
}

/**
 * The handlers' output as deployed, for a test that reads it with {@link captureLogs}: the
 * test run silences Powertools' logs and metrics (vitest.config.ts), and both read their
 * settings when a handler module is loaded.
 */
export const LOGS_AND_METRICS: Readonly<Record<string, string>> = {
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_DISABLED: 'false',
};

/** Loads both handlers afresh with `env` on top of a working configuration. */
export async function loadLambdas(env: Readonly<Record<string, string>> = {}): Promise<LoadedLambdas> {
  const endpoint = inject('dynaliteEndpoint');
  const tableName = `watchdog-lambda-${randomUUID()}`;
  const client = localDynamoDbClient(endpoint);
  await ensureTable(client, tableName);
  const variables: Record<string, string> = {
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    POWERTOOLS_SERVICE_NAME: 'cfn-watchdog',
    POWERTOOLS_METRICS_NAMESPACE: 'cfn-watchdog',
    WATCHDOG_TABLE_NAME: tableName,
    WATCHDOG_TOPIC_ARN: TOPIC_ARN,
    // The tests sweep minute by minute under a fake Date: a sweeper waiting on a real timer for a
    // threshold within the minute would stall them. Its own test turns it on, with fake timers.
    WATCHDOG_ON_TIME_ESCALATION: 'false',
    ...env,
  };
  for (const [name, value] of Object.entries(variables)) vi.stubEnv(name, value);
  vi.resetModules();
  return {
    stackEvents: await import('../../functions/stack-events/handler.ts'),
    sweeper: await import('../../functions/sweeper/handler.ts'),
    store: createDynamoDbStore({ client, tableName }),
  };
}

export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-central-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2021/09/21/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Captures the JSON lines Powertools Logger writes, parsed. */
export function captureLogs(): { lines: () => Record<string, unknown>[]; restore: () => void } {
  const written: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  return {
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/** Runs RUN with what the handlers write (logs, metrics, Powertools' warnings) discarded: output no assertion reads. */
export async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const logs = captureLogs();
  try {
    return await run();
  } finally {
    logs.restore();
  }
}

/**
 * The AWS services the handlers call besides DynamoDB, mocked at the SDK boundary; `reset()`
 * (before each test) makes SNS and EventBridge accept everything, and leaves CloudFormation's
 * answers to the test.
 */
export function mockedAws() {
  const sns = mockClient(SNSClient);
  const cloudFormation = mockClient(CloudFormationClient);
  const eventBridge = mockClient(EventBridgeClient);
  return {
    sns,
    cloudFormation,
    eventBridge,
    reset(): void {
      sns.reset();
      cloudFormation.reset();
      eventBridge.reset();
      sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
      eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
    },
  };
}
