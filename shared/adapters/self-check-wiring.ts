/**
 * The real adapters of the self-check Lambda, built once per container at cold start. Apart from
 * lambda-wiring.ts so that the other functions' bundles carry no KMS client.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { SNSClient } from '@aws-sdk/client-sns';
import type { Log } from '../app/log.ts';
import type { SelfCheckDeps } from '../app/self-check.ts';
import { createAwsResourceProbe } from './aws-resource-probe.ts';
import { createDynamoDbStore } from './dynamodb-store.ts';
import { readSelfCheckConfig } from './env-config.ts';
import { createSnsOpsNotifier } from './sns-notifier.ts';

/**
 * Reads the configuration (failing fast with the variable's name) and wires the self-check's
 * clients from the Lambda's own environment and credentials.
 *
 * @example
 * const deps = wireSelfCheck(process.env, logger); // at module scope of the handler
 */
export function wireSelfCheck(env: Readonly<Record<string, string | undefined>>, log: Log): SelfCheckDeps {
  const { runtime, opsTopicArn, keyArn } = readSelfCheckConfig(env);
  const dynamodb = new DynamoDBClient({});
  const sns = new SNSClient({});
  const store = createDynamoDbStore({ client: dynamodb, tableName: runtime.tableName });
  return {
    probe: createAwsResourceProbe({
      dynamodb,
      tableName: runtime.tableName,
      sns,
      topicArn: runtime.topicArn,
      eventBridge: new EventBridgeClient({}),
      eventBusName: runtime.eventBusName,
      kms: new KMSClient({}),
      keyId: keyArn,
    }),
    store,
    ops: createSnsOpsNotifier({ client: sns, topicArn: opsTopicArn }),
    clock: () => Date.now(),
    log,
  };
}
