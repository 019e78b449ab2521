import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notifier, OpsNotifier } from '../app/ports.ts';
import type { Notification } from '../domain/notification.ts';
import { chatbotMessageOf } from './chatbot-message.ts';
import { programMessageOf } from './escalation-event.ts';
import { Severity } from '../domain/severity.ts';
import { attributesOf, bodyOf, subjectOf } from './sns-message.ts';

/**
 * The message for each kind of subscriber (SNS `MessageStructure: json`): AWS Chatbot subscribes
 * over HTTPS and gets its custom-notification JSON; a queue or a function (programs) gets the
 * `Deployment Escalated`/`Resolved` event as JSON (escalation-event.ts); e-mail and the rest get
 * the plain text.
 *
 * @example
 * JSON.parse(messageOf(n)).https; // '{"version":"1.0","source":"custom",…}'
 */
export function messageOf(notification: Notification): string {
  const text = bodyOf(notification);
  // A heads-up is no escalation: programs get it as text, so that a queue wired to an on-call
  // route does not take an INFO for a Deployment Escalated.
  const program = notification.severity === Severity.INFO ? null : programMessageOf(notification);
  return JSON.stringify({
    default: text,
    email: text,
    https: JSON.stringify(chatbotMessageOf(notification)),
    ...(program === null ? {} : { sqs: program, lambda: program }),
  });
}

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
          MessageStructure: 'json',
          Message: messageOf(notification),
          MessageAttributes: attributesOf(notification),
        }),
      );
    },
  };
}

/**
 * Sends the self-check's messages to the ops topic, as plain text (e-mail, a pager's endpoint):
 * they are about the watchdog itself, and read by whoever runs it.
 *
 * @example
 * const ops = createSnsOpsNotifier({ client: new SNSClient({}), topicArn: config.opsTopicArn });
 */
export function createSnsOpsNotifier({ client, topicArn }: { client: SNSClient; topicArn: string }): OpsNotifier {
  return {
    async send(message) {
      await client.send(new PublishCommand({ TopicArn: topicArn, Subject: message.subject, Message: message.text }));
    },
  };
}
