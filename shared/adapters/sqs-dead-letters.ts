/**
 * The dead-letter queue through SQS: receive with a visibility timeout, delete and release in
 * batches of ten. A batch call that fails for some entries answers which, so that the caller
 * can say which messages stayed; it never throws for them.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetterQueue, HeldMessage, QueueMessage, QueueRefusal } from '../app/redrive.ts';

/** SQS's bounds: ten messages a receive and a batch; 12 hours of visibility. */
export const SQS_BATCH = 10;
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Long polling asks every SQS server: a short poll samples some of them and can answer "empty"
 * while messages wait, which would end a pass early. One second keeps an empty queue quick.
 */
const WAIT_SECONDS = 1;

function stringAttributes(
  attributes: Record<string, { StringValue?: string | undefined }> | undefined,
): Record<string, string> {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value.StringValue !== undefined) strings[name] = value.StringValue;
  }
  return strings;
}

const numberOf = (text: string | undefined): number | null =>
  text !== undefined && /^\d+$/.test(text) ? Number(text) : null;

/** Runs one batch call per ten messages and names, per message, what it refused. */
async function inBatches(
  messages: readonly HeldMessage[],
  send: (entries: { Id: string; ReceiptHandle: string }[]) => Promise<{
    Failed?: { Id?: string | undefined; Code?: string | undefined; Message?: string | undefined }[] | undefined;
    Successful?: { Id?: string | undefined }[] | undefined;
  }>,
): Promise<QueueRefusal[]> {
  const refused: QueueRefusal[] = [];
  for (let start = 0; start < messages.length; start += SQS_BATCH) {
    const batch = messages.slice(start, start + SQS_BATCH);
    // Batch entry ids must be unique within a request and at most 80 characters: positions are.
    const entries = batch.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.receiptHandle }));
    try {
      const { Failed, Successful } = await send(entries);
      const succeeded = new Set((Successful ?? []).map((entry) => entry.Id));
      const failed = new Map(
        (Failed ?? []).map((entry) => [entry.Id, `${entry.Code ?? 'failed'}: ${entry.Message ?? 'no message'}`]),
      );
      batch.forEach((message, index) => {
        const id = `m${index}`;
        if (succeeded.has(id)) return;
        const why = failed.get(id) ?? 'SQS answered neither success nor failure for it';
        refused.push({ messageId: message.messageId, why });
      });
    } catch (error) {
      const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      refused.push(...batch.map((message) => ({ messageId: message.messageId, why })));
    }
  }
  return refused;
}

/**
 * @example
 * const queue = createSqsDeadLetterQueue({ client: new SQSClient({}), queueUrl });
 * const messages = await queue.receive({ max: 10, visibilitySeconds: 60 });
 */
export function createSqsDeadLetterQueue(options: { client: SQSClient; queueUrl: string }): DeadLetterQueue {
  const { client, queueUrl } = options;
  return {
    describe: queueUrl,

    async receive({ max, visibilitySeconds }): Promise<QueueMessage[]> {
      const { Messages } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(SQS_BATCH, Math.max(1, max)),
          VisibilityTimeout: visibilitySeconds,
          WaitTimeSeconds: WAIT_SECONDS,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
        }),
      );
      return (Messages ?? []).map((message) => ({
        messageId: message.MessageId ?? '',
        receiptHandle: message.ReceiptHandle ?? '',
        body: message.Body ?? '',
        attributes: stringAttributes(message.MessageAttributes),
        sentAt: numberOf(message.Attributes?.SentTimestamp),
        receiveCount: numberOf(message.Attributes?.ApproximateReceiveCount),
      }));
    },

    delete: (messages) =>
      inBatches(messages, (Entries) => client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries }))),

    release: (messages) =>
      inBatches(messages, (entries) =>
        client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: entries.map((entry) => ({ ...entry, VisibilityTimeout: 0 })),
          }),
        ),
      ),
  };
}
