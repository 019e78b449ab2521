import { describe, expect, it } from 'vitest';
import { describeFailure, readDeadLetter, type DeliveryFailure } from '../../shared/domain/dead-letter.ts';
import {
  eventBridgeAttributes,
  lambdaFailureRecord,
  RESOURCE_SAMPLE,
  sampleEvent,
  STACK_SAMPLE,
  type Json,
} from '../support/dead-letters.ts';

const STACK_ARN =
  'arn:aws:cloudformation:eu-central-1:123456789012:stack/trustsource-core-prod/091c23ec-9c34-11eb-9c3e-0a8f4e2b71d5';
const STACK_EVENT_ID = '5873c14b-68a1-4a59-a972-dc2c26f8dccf';
const RESOURCE_EVENT_ID = 'd9ea9855-ede1-4cb7-bcd9-36050c9d5757';
const stackEvent = sampleEvent(STACK_SAMPLE);
const resourceEvent = sampleEvent(RESOURCE_SAMPLE);
const TIMEOUT = 'Task timed out after 30.03 seconds';
const EITHER = 'an EventBridge event or a Lambda invocation record';

const failure = (
  code: string | null,
  message: string | null,
  attempts: number | null = null,
  condition: string | null = null,
): DeliveryFailure => ({ code, message, attempts, condition });
const THROWN = failure('InvalidEventError', 'time: expected …', 3, 'RetriesExhausted');

interface Expected {
  readonly kind: string;
  readonly event: unknown;
  readonly eventId: string | null;
  readonly failure: DeliveryFailure;
}

describe('readDeadLetter: what a message holds', () => {
  it.each<[string, string, Record<string, string>, Expected]>([
    [
      'an EventBridge dead letter: the event itself, why in the attributes',
      JSON.stringify(stackEvent),
      eventBridgeAttributes(),
      {
        kind: 'eventbridge',
        event: stackEvent,
        eventId: STACK_EVENT_ID,
        failure: failure('THROTTLING', 'Rate exceeded', 4, 'MaximumRetryAttempts'),
      },
    ],
    [
      'an EventBridge dead letter with no retry (a missing permission): no attempts nor condition',
      JSON.stringify(resourceEvent),
      { ERROR_CODE: 'NO_PERMISSIONS', ERROR_MESSAGE: 'Not authorized' },
      {
        kind: 'eventbridge',
        event: resourceEvent,
        eventId: RESOURCE_EVENT_ID,
        failure: failure('NO_PERMISSIONS', 'Not authorized'),
      },
    ],
    [
      "an event without any attribute (sent by hand): EventBridge's shape, no reason",
      JSON.stringify(stackEvent),
      {},
      { kind: 'eventbridge', event: stackEvent, eventId: STACK_EVENT_ID, failure: failure(null, null) },
    ],
    [
      'a Lambda OnFailure record: the event is its requestPayload, why its responsePayload',
      JSON.stringify(lambdaFailureRecord(stackEvent)),
      {},
      { kind: 'lambda-destination', event: stackEvent, eventId: STACK_EVENT_ID, failure: THROWN },
    ],
    [
      'a Lambda record of a timeout: no errorType, functionError says it',
      JSON.stringify({ ...lambdaFailureRecord(resourceEvent), responsePayload: { errorMessage: TIMEOUT } }),
      {},
      {
        kind: 'lambda-destination',
        event: resourceEvent,
        eventId: RESOURCE_EVENT_ID,
        failure: failure('Unhandled', TIMEOUT, 3, 'RetriesExhausted'),
      },
    ],
    [
      'a Lambda record of an event that is not an object: still its payload, for the parser to refuse',
      JSON.stringify(lambdaFailureRecord('not an event')),
      {},
      { kind: 'lambda-destination', event: 'not an event', eventId: null, failure: THROWN },
    ],
  ])('reads %s', (_case, body, attributes, expected) => {
    // Act
    const letter = readDeadLetter({ body, attributes });

    // Assess
    const stackId = expected.event === 'not an event' ? null : STACK_ARN;
    expect(letter).toEqual({ recognised: true, stackId, ...expected });
  });

  it.each<[string, string, string]>([
    ['a body that is not JSON', '{"id": "5873c14b', `body: expected JSON (${EITHER})`],
    ['a JSON array', '[1, 2]', `body: expected a JSON object (${EITHER}), got [1,2]`],
    ['an object neither sender writes', '{"hello":1}', 'body: expected an EventBridge event (source, detail-type)'],
    [
      'a Lambda record whose payload Lambda left out',
      JSON.stringify({ ...lambdaFailureRecord(null), requestPayload: undefined }),
      'a Lambda invocation record without requestPayload',
    ],
  ])('does not recognise %s, and says why', (_case, body, why) => {
    // Act
    const letter = readDeadLetter({ body, attributes: {} });

    // Assess
    expect(letter.recognised).toBe(false);
    expect(letter.recognised ? '' : letter.why).toContain(why);
  });

  it('takes any body EventBridge sent with its attributes as its event, for the parser to name the field', () => {
    // Prepare
    const notAnEvent: Json = { hello: 'world' };

    // Act
    const letter = readDeadLetter({ body: JSON.stringify(notAnEvent), attributes: eventBridgeAttributes() });

    // Assess
    expect(letter).toMatchObject({ recognised: true, kind: 'eventbridge', event: notAnEvent, eventId: null });
    expect(letter.recognised && letter.stackId).toBeNull();
  });
});

describe('describeFailure', () => {
  it.each<[DeliveryFailure, string]>([
    [
      failure('THROTTLING', 'Rate exceeded', 4, 'MaximumRetryAttempts'),
      'THROTTLING: Rate exceeded (MaximumRetryAttempts after 4 attempts)',
    ],
    [failure('InvalidEventError', 'time: …', 1), 'InvalidEventError: time: … (1 attempt)'],
    [failure('NO_PERMISSIONS', null), 'NO_PERMISSIONS'],
    [failure(null, null, null, 'EventAgeExceeded'), 'no reason given (EventAgeExceeded)'],
  ])('says %j as %j', (given, expected) => {
    // Act / Assess
    expect(describeFailure(given)).toBe(expected);
  });
});
