import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier } from '../app/ports.ts';
import { attributesOf, bodyOf, subjectOf } from './sns-message.ts';

/**
 * Publishes notifications to one SNS topic; resolves once SNS accepted the message (so that the
 * claim is marked sent only then) and throws otherwise.
 *
 * @example
 * const notifier = createSnsNotifier({ client: new SNSClient({}), topicArn: config.topicArn });
 */
export function createSnsNotifier({ client, topicArn }: { client: SNSClient; topicArn: string }): Notifier {
  return {
    async publish(notification) {
      await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: subjectOf(notification),
          Message: bodyOf(notification),
          MessageAttributes: attributesOf(notification),
        }),
      );
    },
  };
}
