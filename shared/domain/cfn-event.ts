/**
 * Validation of EventBridge events as CloudFormation emits them. Only what the rules rely on
 * is validated (DESIGN.md, replay contract): `source`, `detail-type`, `time`, `detail.stack-id`
 * and, for the two status-change detail-types, `detail.status-details.status`; and, because
 * the stack ARN in `detail` is whatever the sender wrote while EventBridge itself sets the
 * envelope's `account` and `region`, that the two agree (docs/security.md).
 */
// The mini build: the classic `import { z } from 'zod'` bundles every locale, and doubled the
// stack-events bundle (bench/README.md).
import * as z from 'zod/mini';
import { DetailType, parseStackArn, type CloudFormationEvent, type StackRef } from './events.ts';
import { floorToSecond, formatInstant, MINUTE_MS, parseInstant, type Instant } from './time.ts';
import { UserInputError } from '../errors.ts';

/** The event is the input at fault: the Lambda throws it on to EventBridge's retries and the dead letters. */
export class InvalidEventError extends UserInputError {
  /** The dotted path of the field at fault, e.g. `detail.stack-id`. */
  readonly field: string;
  readonly eventId: string | undefined;

  constructor(field: string, expected: string, eventId: string | undefined, options?: ErrorOptions) {
    super(`${field}: ${expected}`, options);
    this.name = 'InvalidEventError';
    this.field = field;
    this.eventId = eventId;
  }
}

const nonEmpty = (what: string) =>
  z.string({ error: `expected ${what}` }).check(z.minLength(1, { error: `expected ${what}` }));
const optionalText = z.catch(z.optional(z.string()), undefined);

const EnvelopeSchema = z.object({
  id: optionalText,
  source: z.literal('aws.cloudformation', { error: "expected 'aws.cloudformation'" }),
  'detail-type': nonEmpty('a CloudFormation detail-type such as "CloudFormation Stack Status Change"'),
  time: nonEmpty('an ISO-8601 time such as 2021-09-21T19:09:00Z').check(
    z.refine((text) => parseInstant(text) !== null, {
      error: 'expected an ISO-8601 time such as 2021-09-21T19:09:00Z',
    }),
  ),
  detail: z.object(
    {
      'stack-id': nonEmpty('a stack ARN').check(
        z.refine((text) => parseStackArn(text) !== null, {
          error: 'expected a stack ARN arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME[/UUID]',
        }),
      ),
    },
    { error: 'expected an object' },
  ),
});

/**
 * CloudFormation's longest status, UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS, is 44 characters; 64 leaves room for
 * new ones.
 */
export const MAX_STATUS_LENGTH = 64;
/**
 * CloudFormation's reasons run to a few KB at most (a nested stack's failure repeats its
 * resources' reasons). A reason is stored in every timeline row and quoted in notifications, so
 * a larger one is not CloudFormation's and would only bloat the table and the messages; 4,096
 * also stays far below DynamoDB's 400 KB item limit.
 */
export const MAX_STATUS_REASON_LENGTH = 4096;
/** CloudFormation launched in 2011: an earlier time is a made-up or corrupted one. */
export const EARLIEST_EVENT_TIME: Instant = Date.UTC(2010, 0, 1);
/**
 * How far in the future of the receiver's clock an event's time may be: clocks drift by
 * seconds, not minutes, and a time further ahead would hold a stack's state past any later
 * real event (the rules order by time).
 */
export const MAX_CLOCK_SKEW_MS = 15 * MINUTE_MS;

/** An AWS account id: 12 digits. */
const ACCOUNT_ID = /^\d{12}$/;
/** Separates the parts of a service key `account#region#service` (serviceKeyId). */
const KEY_SEPARATOR = '#';

const StatusDetailSchema = z.object({
  'status-details': z.object(
    {
      status: nonEmpty('a status such as DELETE_IN_PROGRESS').check(
        z.maxLength(MAX_STATUS_LENGTH, {
          error: `expected a status of at most ${MAX_STATUS_LENGTH} characters such as DELETE_IN_PROGRESS`,
        }),
      ),
      'status-reason': optionalText,
    },
    { error: 'expected an object with a status' },
  ),
  'logical-resource-id': optionalText,
  'physical-resource-id': optionalText,
  'resource-type': optionalText,
});

function describeIssue(error: z.core.$ZodError, prefix: string[] = []): { field: string; expected: string } {
  const issue = error.issues[0];
  const path = [...prefix, ...(issue?.path ?? []).map(String)];
  return { field: path.join('.') || '(event)', expected: issue?.message ?? 'invalid' };
}

/** How much of a faulty value a message shows: enough to recognise it, never the whole of a huge one. */
const PREVIEW_LENGTH = 80;
/**
 * How deep a preview goes into arrays and objects. JSON.parse builds values 100,000 levels deep
 * that JSON.stringify cannot print (RangeError); the bound also ends a cycle.
 */
const PREVIEW_DEPTH = 3;

/**
 * A JSON-like rendering of `value`, cut at {@link PREVIEW_DEPTH} levels and about {@link PREVIEW_LENGTH} characters.
 */
function preview(value: unknown, depth: number): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, PREVIEW_LENGTH + 1));
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol' || typeof value === 'function') return `(a ${typeof value})`;
  if (typeof value !== 'object' || value === null) return String(value);
  const isArray = Array.isArray(value);
  const parts: string[] = [];
  let length = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (depth >= PREVIEW_DEPTH || length > PREVIEW_LENGTH) {
      parts.push('…');
      break;
    }
    const item = preview((value as Record<string, unknown>)[key], depth + 1);
    const part = isArray ? item : `${preview(key, depth)}:${item}`;
    parts.push(part);
    length += part.length + 1;
  }
  return isArray ? `[${parts.join(',')}]` : `{${parts.join(',')}}`;
}

/**
 * TEXT with its control characters (C0, DEL, C1) written as `\u0007`: a message quoting input
 * must not ring a terminal's bell, move its cursor or rewrite its line, nor break one line in two.
 *
 * @example
 * escapeControlCharacters('a\u0007b'); // 'a\\u0007b', shown as a\u0007b
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * What a message says was received instead of a valid value: `missing`, or `got` and a bounded
 * preview of it, so that any value, however deep or cyclic, can be named in an error.
 *
 * @example
 * describeReceived('aws.ec2'); // 'got "aws.ec2"'
 * describeReceived(JSON.parse('[[[[[1]]]]]')); // 'got [[[[…]]]]'
 */
export function describeReceived(value: unknown): string {
  if (value === undefined) return 'missing';
  const shown = preview(value, 0);
  // JSON.stringify leaves DEL and C1 as they are.
  const cut = shown.length > PREVIEW_LENGTH ? `${shown.slice(0, PREVIEW_LENGTH - 3)}...` : shown;
  return `got ${escapeControlCharacters(cut)}`;
}

function received(input: unknown, path: string): string {
  let value: unknown = input;
  for (const part of path.split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  return describeReceived(value);
}

function eventIdOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const id = (input as Record<string, unknown>).id;
  return typeof id === 'string' && id.length > 0 ? id : undefined;
}

export interface ParseOptions {
  /**
   * The receiver's clock: a time more than {@link MAX_CLOCK_SKEW_MS} after it is refused. The
   * handler passes its clock; replay the delivery's virtual time, so that old history is not
   * refused; without it no time is too late.
   */
  readonly now?: Instant;
}

/**
 * The stack ARN's account and region as the envelope's, which EventBridge sets from where the
 * event came from: a sender who writes another account's stack ARN in `detail` must not reach
 * that account's state. The ARN's parts become the service key `account#region#service`, so
 * none may hold its separator (the region cannot: the ARN pattern allows none).
 */
function checkStack(input: Record<string, unknown>, stack: StackRef, eventId: string | undefined): void {
  const arnField = 'detail.stack-id';
  if (!ACCOUNT_ID.test(stack.account)) {
    throw new InvalidEventError(
      arnField,
      `expected a stack ARN whose account is 12 digits, ${describeReceived(stack.stackId)}`,
      eventId,
    );
  }
  if (stack.stackName.includes(KEY_SEPARATOR)) {
    throw new InvalidEventError(
      arnField,
      `expected a stack name without '${KEY_SEPARATOR}' (it separates the parts of a service key), ` +
        `${describeReceived(stack.stackId)}`,
      eventId,
    );
  }
  for (const field of ['account', 'region'] as const) {
    if (input[field] !== stack[field]) {
      throw new InvalidEventError(
        field,
        `expected ${stack[field]}, the ${field} of ${arnField}, ${describeReceived(input[field])}`,
        eventId,
      );
    }
  }
}

function checkTime(input: unknown, time: Instant, options: ParseOptions, eventId: string | undefined): void {
  if (time < EARLIEST_EVENT_TIME) {
    throw new InvalidEventError(
      'time',
      `expected a time from ${formatInstant(EARLIEST_EVENT_TIME)} on, ${received(input, 'time')}`,
      eventId,
    );
  }
  const { now } = options;
  if (now !== undefined && time > now + MAX_CLOCK_SKEW_MS) {
    throw new InvalidEventError(
      'time',
      `expected a time at most ${MAX_CLOCK_SKEW_MS / MINUTE_MS} minutes after now (${formatInstant(now)}), ` +
        `${received(input, 'time')}`,
      eventId,
    );
  }
}

/**
 * Turns one EventBridge event into a domain event, or throws an {@link InvalidEventError}
 * naming the field at fault and what was expected.
 *
 * @example
 * const event = parseCloudFormationEvent(JSON.parse(line), { now: clock() });
 * if (event.kind === 'stack-status') console.log(event.stackName, event.status);
 */
export function parseCloudFormationEvent(input: unknown, options: ParseOptions = {}): CloudFormationEvent {
  const eventId = eventIdOf(input);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new InvalidEventError('(event)', 'expected a JSON object (an EventBridge event)', eventId);
  }
  const envelope = EnvelopeSchema.safeParse(input);
  if (!envelope.success) {
    const { field, expected } = describeIssue(envelope.error);
    throw new InvalidEventError(field, `${expected}, ${received(input, field)}`, eventId);
  }
  const { data } = envelope;
  const stack = parseStackArn(data.detail['stack-id']) as StackRef;
  checkStack(input as Record<string, unknown>, stack, eventId);
  const time = floorToSecond(parseInstant(data.time) as number);
  checkTime(input, time, options, eventId);
  const common = { ...stack, eventId: eventId ?? '', time };
  const detailType = data['detail-type'];

  if (detailType !== DetailType.STACK_STATUS && detailType !== DetailType.RESOURCE_STATUS) {
    return { kind: 'other', ...common, detailType };
  }
  const detail = StatusDetailSchema.safeParse((input as { detail: unknown }).detail);
  if (!detail.success) {
    const { field, expected } = describeIssue(detail.error, ['detail']);
    throw new InvalidEventError(field, `${expected}, ${received(input, field)}`, eventId);
  }
  const status = detail.data['status-details'].status;
  const statusReason = detail.data['status-details']['status-reason'] ?? '';
  if (statusReason.length > MAX_STATUS_REASON_LENGTH) {
    const field = 'detail.status-details.status-reason';
    throw new InvalidEventError(
      field,
      `expected a status reason of at most ${MAX_STATUS_REASON_LENGTH} characters, got ${statusReason.length} ` +
        `characters`,
      eventId,
    );
  }
  if (detailType === DetailType.STACK_STATUS) {
    return { kind: 'stack-status', ...common, status, statusReason };
  }
  return {
    kind: 'resource-status',
    ...common,
    status,
    statusReason,
    logicalResourceId: detail.data['logical-resource-id'] ?? '',
    physicalResourceId: detail.data['physical-resource-id'] ?? '',
    resourceType: detail.data['resource-type'] ?? '',
  };
}
