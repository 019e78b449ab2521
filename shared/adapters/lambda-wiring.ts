/**
 * The real adapters the Lambda functions run with, built once per container at cold start.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import type { ApplyDeps, WatchdogDeps } from '../app/deps.ts';
import type { Log } from '../app/log.ts';
import type { Clock } from '../domain/time.ts';
import { clientConfig, type AwsClientConfig } from './aws-clients.ts';
import { cloudFormationClients, createCloudFormationInspector } from './cloudformation-inspector.ts';
import { createDynamoDbStore } from './dynamodb-store.ts';
import { readRuntimeConfig, readSweeperConfig, type RuntimeConfig } from './env-config.ts';
import { createEscalationBusPublisher, createEventBridgePublisher } from './eventbridge-publisher.ts';
import { createSnsNotifier } from './sns-notifier.ts';

/**
 * Wires DynamoDB, SNS and CloudFormation clients for `config`, what applying an event takes: with
 * the Lambda's own environment and credentials when `aws` is empty, else with the CLI's profile,
 * region or endpoint (`cfn-watchdog redrive apply` applies dead letters as the function would have).
 * No bus: its policy lets only the functions' roles put events, so the pages' events of a redrive
 * are put by the sweeper after the lease.
 *
 * @example
 * const deps = wireApply(readRuntimeConfig(environment), log, { profile: 'ops', region: 'eu-central-1' });
 */
export function wireApply(
  config: RuntimeConfig,
  log: Log,
  aws: AwsClientConfig = {},
  clock: Clock = () => Date.now(),
): ApplyDeps {
  const base = clientConfig(aws);
  const clientFor = cloudFormationClients(config.memberAccess, base);
  const cloudFormation = createCloudFormationInspector({ clientFor });
  return {
    store: createDynamoDbStore({ client: new DynamoDBClient(base), tableName: config.tableName }),
    notifier: createSnsNotifier({ client: new SNSClient(base), topicArn: config.topicArn }),
    inspector: cloudFormation,
    stacks: cloudFormation,
    clock,
    config: config.watchdog,
    log,
  };
}

/** Bounded, so that a bus that hangs delays an invocation by seconds; a refusal stays pending for the next sweep. */
const busClient = (): EventBridgeClient =>
  new EventBridgeClient({ maxAttempts: 2, requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 } });

/**
 * {@link wireApply}'s clients and the EventBridge client of the pages' events and the window
 * events: what a sweep takes.
 *
 * @example
 * const deps = wireWatchdog(readRuntimeConfig(process.env), logger);
 */
export function wireWatchdog(config: RuntimeConfig, log: Log): WatchdogDeps {
  const target = { client: busClient(), eventBusName: config.eventBusName };
  return {
    ...wireApply(config, log),
    escalations: createEscalationBusPublisher(target),
    windowEvents: createEventBridgePublisher(target),
  };
}

/**
 * The stack-events function's adapters: reads the configuration (failing fast with the variable's
 * name) and wires {@link wireApply}'s clients and the bus for the events of FAILED and RESOLVED.
 *
 * @example
 * const deps = wireStackEventsLambda(process.env, logger); // at module scope of the handler
 */
export function wireStackEventsLambda(env: Readonly<Record<string, string | undefined>>, log: Log): ApplyDeps {
  const config = readRuntimeConfig(env);
  return {
    ...wireApply(config, log),
    escalations: createEscalationBusPublisher({ client: busClient(), eventBusName: config.eventBusName }),
  };
}

/**
 * The sweeper's adapters: reads the configuration (failing fast with the variable's name) and
 * wires DynamoDB, SNS, EventBridge and CloudFormation clients from the Lambda's own environment;
 * and whether it escalates on time.
 *
 * @example
 * const { deps, onTimeEscalation } = wireSweeperLambda(process.env, logger); // at module scope of the handler
 */
export function wireSweeperLambda(
  env: Readonly<Record<string, string | undefined>>,
  log: Log,
): { readonly deps: WatchdogDeps; readonly onTimeEscalation: boolean } {
  const { runtime, onTimeEscalation } = readSweeperConfig(env);
  return { deps: wireWatchdog(runtime, log), onTimeEscalation };
}
