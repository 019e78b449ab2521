/**
 * The self-check's questions to AWS about the watchdog's own resources, one read-only call each:
 * DescribeTable, GetTopicAttributes, DescribeEventBus, DescribeKey. A resource that is gone
 * throws the SDK's own error (ResourceNotFoundException, NotFoundException, …); one that is there
 * but unusable throws {@link ResourceUnusableError}, saying its state.
 */
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeEventBusCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { GetTopicAttributesCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { ResourceProbe } from '../app/ports.ts';
import { WatchdogError } from '../errors.ts';
import { formatInstant } from '../domain/time.ts';

/** A resource that exists but cannot serve: a table not ACTIVE, a key disabled or pending deletion. */
export class ResourceUnusableError extends WatchdogError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ResourceUnusableError';
  }
}

export interface AwsResourceProbeOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly sns: SNSClient;
  readonly topicArn: string;
  readonly eventBridge: EventBridgeClient;
  /** A bus name or ARN: DescribeEventBus takes either. */
  readonly eventBusName: string;
  readonly kms: KMSClient;
  readonly keyId: string;
}

/**
 * The probe over real clients.
 *
 * @example
 * const probe = createAwsResourceProbe({ dynamodb, tableName, sns, topicArn, eventBridge, eventBusName, kms, keyId });
 * await probe.key(); // throws ResourceUnusableError('key arn:… is Disabled') for a disabled key
 */
export function createAwsResourceProbe(options: AwsResourceProbeOptions): ResourceProbe {
  return {
    async table() {
      const { Table } = await options.dynamodb.send(new DescribeTableCommand({ TableName: options.tableName }));
      const status = Table?.TableStatus ?? 'not described';
      // INACCESSIBLE_ENCRYPTION_CREDENTIALS is how DynamoDB says its key is out of reach.
      if (status !== 'ACTIVE') throw new ResourceUnusableError(`table ${options.tableName} is ${status}`);
    },

    async topic() {
      await options.sns.send(new GetTopicAttributesCommand({ TopicArn: options.topicArn }));
    },

    async bus() {
      await options.eventBridge.send(new DescribeEventBusCommand({ Name: options.eventBusName }));
    },

    async key() {
      const { KeyMetadata } = await options.kms.send(new DescribeKeyCommand({ KeyId: options.keyId }));
      const state = KeyMetadata?.KeyState ?? 'not described';
      if (state === 'Enabled' && KeyMetadata?.Enabled === true) return;
      const deletion = KeyMetadata?.DeletionDate
        ? `, to be deleted at ${formatInstant(KeyMetadata.DeletionDate.getTime())}`
        : '';
      throw new ResourceUnusableError(`key ${options.keyId} is ${state}${deletion}`);
    },
  };
}
