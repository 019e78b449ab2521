/**
 * The real adapters the Lambda functions run with, built once per container at cold start.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import type { WatchdogDeps } from '../app/deps.ts';
import type { Log } from '../app/log.ts';
import type { Clock } from '../domain/time.ts';
import { clientConfig, type AwsClientConfig } from './aws-clients.ts';
import { cloudFormationClients, createCloudFormationInspector } from './cloudformation-inspector.ts';
import { createDynamoDbStore } from './dynamodb-store.ts';
import { readRuntimeConfig, type RuntimeConfig } from './env-config.ts';
import { createEventBridgePublisher } from './eventbridge-publisher.ts';
import { createSnsNotifier } from './sns-notifier.ts';

/**
 * Wires DynamoDB, SNS, EventBridge and CloudFormation clients for `config`: with the Lambda's own
 * environment and credentials when `aws` is empty, else with the CLI's profile, region or endpoint
 * (`cfn-watchdog redrive apply` applies dead letters as the function would have).
 *
 * @example
 * const deps = wireWatchdog(readRuntimeConfig(environment), log, { profile: 'ops', region: 'eu-central-1' });
 */
export function wireWatchdog(
  config: RuntimeConfig,
  log: Log,
  aws: AwsClientConfig = {},
  clock: Clock = () => Date.now(),
): WatchdogDeps {
  const base = clientConfig(aws);
  const clientFor = cloudFormationClients(config.memberAccess, base);
  const cloudFormation = createCloudFormationInspector({ clientFor });
  return {
    store: createDynamoDbStore({ client: new DynamoDBClient(base), tableName: config.tableName }),
    notifier: createSnsNotifier({ client: new SNSClient(base), topicArn: config.topicArn }),
    // Bounded, so that a bus that hangs delays an invocation by seconds; a refusal stays pending for the sweeper.
    windowEvents: createEventBridgePublisher({
      client: new EventBridgeClient({
        ...base,
        maxAttempts: 2,
        requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
      }),
      eventBusName: config.eventBusName,
    }),
    inspector: cloudFormation,
    stacks: cloudFormation,
    clock,
    config: config.watchdog,
    log,
  };
}

/**
 * Reads the configuration (failing fast with the variable's name) and wires DynamoDB, SNS, EventBridge
 * and CloudFormation clients from the Lambda's own environment and credentials.
 *
 * @example
 * const deps = wireLambda(process.env, logger); // at module scope of a handler
 */
export function wireLambda(env: Readonly<Record<string, string | undefined>>, log: Log): WatchdogDeps {
  return wireWatchdog(readRuntimeConfig(env), log);
}
