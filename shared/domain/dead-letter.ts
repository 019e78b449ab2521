/**
 * What one message of the dead-letter queue holds. Two senders share the queue (template.yaml,
 * `EventsDeadLetterQueue`): EventBridge, for an event it could not deliver to the function (the
 * body is the event itself; why is in the message attributes), and Lambda's `OnFailure`
 * destination, for an event the function threw on after its retries (the body is an invocation
 * record; the event is its `requestPayload`, why is its `responsePayload`).
 */
import { describeReceived } from './cfn-event.ts';

export const DeadLetterKind = {
  EVENTBRIDGE: 'eventbridge',
  LAMBDA_DESTINATION: 'lambda-destination',
} as const;
export type DeadLetterKind = (typeof DeadLetterKind)[keyof typeof DeadLetterKind];

/**
 * The message attributes EventBridge sets on a dead letter (EventBridge User Guide, "Using
 * dead-letter queues to process undelivered events").
 */
export const EventBridgeAttribute = {
  RULE_ARN: 'RULE_ARN',
  TARGET_ARN: 'TARGET_ARN',
  ERROR_CODE: 'ERROR_CODE',
  ERROR_MESSAGE: 'ERROR_MESSAGE',
  EXHAUSTED_RETRY_CONDITION: 'EXHAUSTED_RETRY_CONDITION',
  RETRY_ATTEMPTS: 'RETRY_ATTEMPTS',
} as const;

/** One message as received: its body and its string message attributes. */
export interface QueueMessageContent {
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Why the event ended in the queue, as its sender said. */
export interface DeliveryFailure {
  /** EventBridge's `ERROR_CODE`, or the function's `errorType` (else Lambda's `functionError`). */
  readonly code: string | null;
  /** EventBridge's `ERROR_MESSAGE`, or the function's `errorMessage`. */
  readonly message: string | null;
  /** EventBridge's `RETRY_ATTEMPTS`, or Lambda's `approximateInvokeCount`. */
  readonly attempts: number | null;
  /** EventBridge's `EXHAUSTED_RETRY_CONDITION`, or Lambda's `condition` (`RetriesExhausted`, `EventAgeExceeded`). */
  readonly condition: string | null;
}

export type DeadLetter =
  | {
      readonly recognised: true;
      readonly kind: DeadLetterKind;
      /** The EventBridge event, to be parsed as the function parses it. */
      readonly event: unknown;
      /** The event's `id`, when it has one. */
      readonly eventId: string | null;
      /** The event's `detail.stack-id`, when it has one: to name the stack of an event that does not parse. */
      readonly stackId: string | null;
      readonly failure: DeliveryFailure;
    }
  | { readonly recognised: false; readonly why: string };

type Json = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const count = (value: unknown): number | null => {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isSafeInteger(number) && number >= 0 ? number : null;
};

function recognised(kind: DeadLetterKind, event: unknown, failure: DeliveryFailure): DeadLetter {
  const detail = isObject(event) ? event.detail : undefined;
  return {
    recognised: true,
    kind,
    event,
    eventId: isObject(event) ? text(event.id) : null,
    stackId: isObject(detail) ? text(detail['stack-id']) : null,
    failure,
  };
}

/** A Lambda invocation record: Lambda writes these four keys in every one. */
const isInvocationRecord = (body: Json): boolean => isObject(body.requestContext) && 'responseContext' in body;

function fromInvocationRecord(body: Json): DeadLetter {
  const context = body.requestContext as Json;
  if (!('requestPayload' in body)) {
    // Lambda leaves out a payload that would make the record too large for the destination.
    return { recognised: false, why: 'a Lambda invocation record without requestPayload: the event is not in it' };
  }
  const response = isObject(body.responsePayload) ? body.responsePayload : {};
  const responseContext = isObject(body.responseContext) ? body.responseContext : {};
  return recognised(DeadLetterKind.LAMBDA_DESTINATION, body.requestPayload, {
    code: text(response.errorType) ?? text(responseContext.functionError),
    message: text(response.errorMessage),
    attempts: count(context.approximateInvokeCount),
    condition: text(context.condition),
  });
}

const EITHER = 'an EventBridge event or a Lambda invocation record';

/** An EventBridge event: what every event has, whatever its source. */
const isEvent = (body: Json): boolean => 'source' in body && 'detail-type' in body;

/**
 * Reads one dead letter: which sender wrote it, the event it holds, and why it failed; or, for a
 * message neither could have written, why it is not recognised. Never throws: the caller keeps
 * an unrecognised message in the queue and says why.
 *
 * @example
 * const letter = readDeadLetter({ body: JSON.stringify(event), attributes: { ERROR_CODE: 'THROTTLING' } });
 * if (letter.recognised) parseCloudFormationEvent(letter.event, { now: clock() });
 */
export function readDeadLetter(message: QueueMessageContent): DeadLetter {
  let body: unknown;
  try {
    body = JSON.parse(message.body);
  } catch (error) {
    return { recognised: false, why: `body: expected JSON (${EITHER}): ${(error as Error).message}` };
  }
  if (!isObject(body)) {
    return { recognised: false, why: `body: expected a JSON object (${EITHER}), ${describeReceived(body)}` };
  }
  if (isInvocationRecord(body)) return fromInvocationRecord(body);
  const { attributes } = message;
  const fromEventBridge = EventBridgeAttribute.ERROR_CODE in attributes || EventBridgeAttribute.RULE_ARN in attributes;
  if (fromEventBridge || isEvent(body)) {
    return recognised(DeadLetterKind.EVENTBRIDGE, body, {
      code: text(attributes[EventBridgeAttribute.ERROR_CODE]),
      message: text(attributes[EventBridgeAttribute.ERROR_MESSAGE]),
      attempts: count(attributes[EventBridgeAttribute.RETRY_ATTEMPTS]),
      condition: text(attributes[EventBridgeAttribute.EXHAUSTED_RETRY_CONDITION]),
    });
  }
  return {
    recognised: false,
    why:
      'body: expected an EventBridge event (source, detail-type) or a Lambda invocation record ' +
      `(requestContext, requestPayload), ${describeReceived(body)}`,
  };
}

/**
 * The failure in one line, for tables and messages: `THROTTLING: Rate exceeded (3 attempts)`.
 *
 * @example
 * describeFailure({ code: 'InvalidEventError', message: 'time: …', attempts: 3, condition: 'RetriesExhausted' });
 * // 'InvalidEventError: time: … (RetriesExhausted after 3 attempts)'
 */
export function describeFailure(failure: DeliveryFailure): string {
  const what = [failure.code, failure.message].filter((part) => part !== null).join(': ') || 'no reason given';
  const attempts = failure.attempts === null ? null : `${failure.attempts} attempt${failure.attempts === 1 ? '' : 's'}`;
  const after =
    failure.condition !== null && attempts !== null
      ? `${failure.condition} after ${attempts}`
      : (failure.condition ?? attempts);
  return after === null ? what : `${what} (${after})`;
}
