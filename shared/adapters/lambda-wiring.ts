/**
 * The real adapters the Lambda functions run with, built once per container at cold start.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import type { WatchdogDeps } from '../app/deps.ts';
import type { Log } from '../app/log.ts';
import { cloudFormationClients, createCloudFormationInspector } from './cloudformation-inspector.ts';
import { createDynamoDbStore } from './dynamodb-store.ts';
import { readRuntimeConfig } from './env-config.ts';
import { createEventBridgePublisher } from './eventbridge-publisher.ts';
import { createSnsNotifier } from './sns-notifier.ts';

/**
 * Reads the configuration (failing fast with the variable's name) and wires DynamoDB, SNS, EventBridge
 * and CloudFormation clients from the Lambda's own environment and credentials.
 *
 * @example
 * const deps = wireLambda(process.env, logger); // at module scope of a handler
 */
export function wireLambda(env: Readonly<Record<string, string | undefined>>, log: Log): WatchdogDeps {
  const config = readRuntimeConfig(env);
  const cloudFormation = createCloudFormationInspector({ clientFor: cloudFormationClients(config.memberAccess) });
  return {
    store: createDynamoDbStore({ client: new DynamoDBClient({}), tableName: config.tableName }),
    notifier: createSnsNotifier({ client: new SNSClient({}), topicArn: config.topicArn }),
    // Bounded, so that a bus that hangs delays an invocation by seconds; a refusal stays pending for the sweeper.
    windowEvents: createEventBridgePublisher({
      client: new EventBridgeClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 } }),
      eventBusName: config.eventBusName,
    }),
    inspector: cloudFormation,
    stacks: cloudFormation,
    clock: () => Date.now(),
    config: config.watchdog,
    log,
  };
}
