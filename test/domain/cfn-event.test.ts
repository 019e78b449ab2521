import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeReceived, InvalidEventError, parseCloudFormationEvent } from '../../shared/domain/cfn-event.ts';
import { resourceEvent, stackEvent } from '../support/events.ts';
import { MASKED_ACCOUNT, sharedPath, unmaskedSample } from '../support/shared-files.ts';

const SAMPLES = sharedPath('events-samples');
const sampleText = (file: string): string => readFileSync(path.join(SAMPLES, file), 'utf8');
// The real capture's account id is masked; a 12-digit one stands in for it.
const sample = (file: string): unknown => JSON.parse(unmaskedSample(sampleText(file)));

const CORE = { name: 'trustsource-core-prod', account: '123456789012', region: 'eu-central-1' };
const CORE_ARN =
  'arn:aws:cloudformation:eu-central-1:123456789012:stack/trustsource-core-prod/5b1c7a40-9f0e-11ef-8c2a-0a1b2c3d4e5f';
const SEED_START = Date.UTC(2021, 8, 21, 19, 9, 0);

type Json = Record<string, unknown>;

/** A valid stack status event, as a plain JSON object that a test may break. */
function validStackEvent(): Json {
  return structuredClone(
    stackEvent(CORE, '2021-09-21T19:09:00Z', 'DELETE_IN_PROGRESS', 'User Initiated', 'event-1'),
  ) as Json;
}

function detailOf(event: Json): Json {
  return event.detail as Json;
}

function statusDetailsOf(event: Json): Json {
  return detailOf(event)['status-details'] as Json;
}

/** Runs the parser and returns the error it threw (failing the test when it does not throw one). */
function rejection(input: unknown): InvalidEventError {
  try {
    parseCloudFormationEvent(input);
  } catch (error) {
    if (error instanceof InvalidEventError) return error;
    throw error;
  }
  throw new Error('expected an InvalidEventError, but the event was accepted');
}

describe('parseCloudFormationEvent', () => {
  describe('accepts the published samples', () => {
    it('has the four sample files this test expects', () => {
      // Act
      const files = readdirSync(SAMPLES)
        .filter((file) => file.endsWith('.json'))
        .sort();

      // Assess
      expect(files).toEqual([
        'aws-docs-drift-detection-status-change-DRIFTED.json',
        'aws-docs-resource-status-change-CREATE_COMPLETE.json',
        'aws-docs-stack-status-change-CREATE_COMPLETE.json',
        'real-capture-stack-status-2022.json',
      ]);
    });

    it('reads the documentation stack status event (ARN without uuid suffix)', () => {
      // Prepare
      const input = sample('aws-docs-stack-status-change-CREATE_COMPLETE.json');

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event).toEqual({
        kind: 'stack-status',
        eventId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        stackId: 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack',
        stackName: 'teststack',
        account: '111122223333',
        region: 'us-west-1',
        time: Date.UTC(2017, 11, 22, 18, 43, 48),
        status: 'CREATE_COMPLETE',
        statusReason: '',
      });
    });

    it('reads the documentation resource status event', () => {
      // Prepare
      const input = sample('aws-docs-resource-status-change-CREATE_COMPLETE.json');

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event).toEqual({
        kind: 'resource-status',
        eventId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        stackId: 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack',
        stackName: 'teststack',
        account: '111122223333',
        region: 'us-west-1',
        time: Date.UTC(2017, 11, 22, 18, 43, 48),
        status: 'CREATE_COMPLETE',
        statusReason: '',
        logicalResourceId: 'my-s3-bucket',
        physicalResourceId: 'arn:aws:s3:::my-s3-bucket-us-east-1',
        resourceType: 'AWS::S3::Bucket',
      });
    });

    it('reads the drift detection event as kind other, although it has no status', () => {
      // Prepare
      const input = sample('aws-docs-drift-detection-status-change-DRIFTED.json');

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event).toEqual({
        kind: 'other',
        eventId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
        stackId: 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack',
        stackName: 'teststack',
        account: '111122223333',
        region: 'us-west-1',
        time: Date.UTC(2017, 11, 22, 18, 43, 48),
        detailType: 'CloudFormation Drift Detection Status Change',
      });
    });

    it('reads every event of the real capture (uuid ARNs, no client-request-token)', () => {
      // Prepare
      const input = sample('real-capture-stack-status-2022.json');
      if (!Array.isArray(input)) throw new Error('the real capture is an array');

      // Act
      const events = input.map((element: unknown) => parseCloudFormationEvent(element));

      // Assess
      expect(
        events.map((event) => [event.kind, event.eventId, event.time, 'status' in event ? event.status : null]),
      ).toEqual([
        ['stack-status', '1e789968-f1d2-426f-db05-e8bca2e199d8', Date.UTC(2022, 7, 3, 7, 22, 45), 'CREATE_COMPLETE'],
        ['stack-status', 'a952e2a6-392c-1b6d-0f4d-9dbdec50f3b5', Date.UTC(2022, 7, 3, 7, 25, 22), 'UPDATE_COMPLETE'],
        ['stack-status', 'ff885582-0201-c842-e354-30993b5a907a', Date.UTC(2022, 7, 3, 7, 26, 32), 'DELETE_COMPLETE'],
      ]);
      for (const event of events) {
        expect(event).toMatchObject({
          stackId:
            'arn:aws:cloudformation:eu-west-3:444455556666:stack/cf-event-testing/dca9d690-12fc-11ed-acb4-0e99ce9abea2',
          stackName: 'cf-event-testing',
          account: '444455556666',
          region: 'eu-west-3',
          statusReason: '',
        });
      }
    });

    it('refuses the real capture as published, its account id masked', () => {
      // Prepare
      const input = JSON.parse(sampleText('real-capture-stack-status-2022.json')) as unknown[];

      // Act
      const error = rejection(input[0]);

      // Assess
      expect(error.field).toBe('detail.stack-id');
      expect(error.message).toContain(
        `expected a stack ARN whose account is 12 digits, got "arn:aws:cloudformation:eu-west-3:${MASKED_ACCOUNT}:`,
      );
    });
  });

  describe('accepts what real events may look like', () => {
    it('reads a stack status event built like CloudFormation sends it', () => {
      // Prepare
      const input = validStackEvent();

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event).toEqual({
        kind: 'stack-status',
        eventId: 'event-1',
        stackId: CORE_ARN,
        stackName: 'trustsource-core-prod',
        account: '123456789012',
        region: 'eu-central-1',
        time: SEED_START,
        status: 'DELETE_IN_PROGRESS',
        statusReason: 'User Initiated',
      });
    });

    it('takes account and region from the ARN, which the envelope agrees with', () => {
      // Prepare
      const input = validStackEvent();

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(input).toMatchObject({ account: '123456789012', region: 'eu-central-1' });
      expect(event).toMatchObject({ account: '123456789012', region: 'eu-central-1' });
    });

    it.each([
      ['a status of 64 characters', (e: Json) => void (statusDetailsOf(e).status = 'S'.repeat(64))],
      [
        'a status reason of 4,096 characters',
        (e: Json) => void (statusDetailsOf(e)['status-reason'] = 'r'.repeat(4096)),
      ],
      ['a time on 2010-01-01', (e: Json) => void (e.time = '2010-01-01T00:00:00Z')],
      ['a time 15 minutes after now', (e: Json) => void (e.time = '2021-09-21T19:24:00Z')],
    ])('accepts %s (the bound itself)', (_what, breakIt) => {
      // Prepare
      const input = validStackEvent();
      breakIt(input);

      // Act
      const event = parseCloudFormationEvent(input, { now: SEED_START });

      // Assess
      expect(event.kind).toBe('stack-status');
    });

    it('accepts a time far in the future when no clock is given (replay of a lost event)', () => {
      // Prepare
      const input = validStackEvent();
      input.time = '2099-01-01T00:00:00Z';

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event.time).toBe(Date.UTC(2099, 0, 1));
    });

    it('accepts a missing client-request-token', () => {
      // Prepare
      const input = validStackEvent();
      delete detailOf(input)['client-request-token'];

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event).toMatchObject({ kind: 'stack-status', status: 'DELETE_IN_PROGRESS' });
    });

    it('accepts an empty client-request-token', () => {
      // Prepare
      const input = validStackEvent();
      detailOf(input)['client-request-token'] = '';

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event).toMatchObject({ kind: 'stack-status', status: 'DELETE_IN_PROGRESS' });
    });

    it.each([
      ['empty', ''],
      ['missing', undefined],
    ])('reads an %s status-reason as an empty reason', (_what, reason) => {
      // Prepare
      const input = validStackEvent();
      if (reason === undefined) delete statusDetailsOf(input)['status-reason'];
      else statusDetailsOf(input)['status-reason'] = reason;

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event).toMatchObject({ kind: 'stack-status', statusReason: '' });
    });

    it('keeps a status this version does not know', () => {
      // Prepare
      const input = validStackEvent();
      statusDetailsOf(input).status = 'STACK_REFACTOR_IN_PROGRESS';

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event).toMatchObject({ kind: 'stack-status', status: 'STACK_REFACTOR_IN_PROGRESS' });
    });

    it('reads a time with a zone offset as the instant it names', () => {
      // Prepare
      const input = validStackEvent();
      input.time = '2021-09-21T21:09:00+02:00';

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event.time).toBe(SEED_START);
    });

    it('accepts 29 February of a leap year', () => {
      // Prepare
      const input = validStackEvent();
      input.time = '2024-02-29T19:09:00Z';

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event.time).toBe(Date.UTC(2024, 1, 29, 19, 9, 0));
    });

    it('keeps event times to the whole second (DESIGN.md: times are to the second)', () => {
      // Prepare
      const input = validStackEvent();
      input.time = '2021-09-21T19:09:00.750Z';

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event.time).toBe(SEED_START);
    });

    it('accepts another CloudFormation detail-type without status-details as kind other', () => {
      // Prepare
      const input = validStackEvent();
      input['detail-type'] = 'CloudFormation Hook Invocation Progress';
      delete detailOf(input)['status-details'];

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event).toMatchObject({
        kind: 'other',
        detailType: 'CloudFormation Hook Invocation Progress',
        stackName: 'trustsource-core-prod',
      });
    });

    it('reads a resource event with its resource fields', () => {
      // Prepare
      const input = resourceEvent(CORE, '2021-09-21T19:09:22Z', 'ScanAnalysisFunction', 'DELETE_IN_PROGRESS', {
        physicalId: 'trustsource-core-prod-ScanAnalysisFunction-64ALSUP8LGD5',
        reason: 'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.',
      });

      // Act
      const event = parseCloudFormationEvent(input);

      // Assess
      expect(event).toMatchObject({
        kind: 'resource-status',
        time: SEED_START + 22_000,
        logicalResourceId: 'ScanAnalysisFunction',
        physicalResourceId: 'trustsource-core-prod-ScanAnalysisFunction-64ALSUP8LGD5',
        resourceType: 'AWS::Lambda::Function',
        status: 'DELETE_IN_PROGRESS',
        statusReason:
          'CloudFormation is waiting for NetworkInterfaces associated with the Lambda Function to be cleaned up.',
      });
    });
  });

  describe('rejects what is not a CloudFormation event', () => {
    const broken: readonly [what: string, field: string, expected: RegExp, breakIt: (event: Json) => void][] = [
      [
        'a wrong source',
        'source',
        /expected 'aws\.cloudformation', got "aws\.ec2"/,
        (e) => void (e.source = 'aws.ec2'),
      ],
      ['a missing source', 'source', /expected 'aws\.cloudformation', missing/, (e) => void delete e.source],
      [
        'a missing detail-type',
        'detail-type',
        /expected a CloudFormation detail-type.*, missing/,
        (e) => void delete e['detail-type'],
      ],
      [
        'an empty detail-type',
        'detail-type',
        /expected a CloudFormation detail-type/,
        (e) => void (e['detail-type'] = ''),
      ],
      [
        'a time that is not one',
        'time',
        /expected an ISO-8601 time.*, got "yesterday"/,
        (e) => void (e.time = 'yesterday'),
      ],
      [
        'a time without a zone',
        'time',
        /expected an ISO-8601 time.*, got "2021-09-21T19:09:00"/,
        (e) => void (e.time = '2021-09-21T19:09:00'),
      ],
      ['a time at hour 25', 'time', /expected an ISO-8601 time/, (e) => void (e.time = '2021-09-21T25:09:00Z')],
      [
        'a numeric time',
        'time',
        /expected an ISO-8601 time.*, got 1632251340000/,
        (e) => void (e.time = 1632251340000),
      ],
      ['a missing time', 'time', /expected an ISO-8601 time.*, missing/, (e) => void delete e.time],
      ['a missing detail', 'detail', /expected an object, missing/, (e) => void delete e.detail],
      [
        'a missing stack-id',
        'detail.stack-id',
        /expected a stack ARN, missing/,
        (e) => void delete detailOf(e)['stack-id'],
      ],
      ['an empty stack-id', 'detail.stack-id', /expected a stack ARN/, (e) => void (detailOf(e)['stack-id'] = '')],
      [
        'a stack name instead of a stack ARN',
        'detail.stack-id',
        /expected a stack ARN arn:aws:cloudformation:REGION:ACCOUNT:stack\/NAME\[\/UUID\], got "trustsource-core-prod"/,
        (e) => void (detailOf(e)['stack-id'] = 'trustsource-core-prod'),
      ],
      [
        'another ARN',
        'detail.stack-id',
        /expected a stack ARN.*arn:aws:s3:::bucket/,
        (e) => void (detailOf(e)['stack-id'] = 'arn:aws:s3:::bucket'),
      ],
      ['a numeric stack-id', 'detail.stack-id', /expected a stack ARN/, (e) => void (detailOf(e)['stack-id'] = 42)],
      [
        'a missing status',
        'detail.status-details.status',
        /expected a status such as DELETE_IN_PROGRESS, missing/,
        (e) => void delete statusDetailsOf(e).status,
      ],
      [
        'an empty status',
        'detail.status-details.status',
        /expected a status such as DELETE_IN_PROGRESS, got ""/,
        (e) => void (statusDetailsOf(e).status = ''),
      ],
      [
        'missing status-details',
        'detail.status-details',
        /expected an object with a status, missing/,
        (e) => void delete detailOf(e)['status-details'],
      ],
    ];

    it.each(broken)('rejects a stack status event with %s, naming the field %s', (_what, field, expected, breakIt) => {
      // Prepare
      const input = validStackEvent();
      breakIt(input);

      // Act
      const error = rejection(input);

      // Assess
      expect(error.field).toBe(field);
      expect(error.message.startsWith(`${field}: `)).toBe(true);
      expect(error.message).toMatch(expected);
      expect(error.eventId).toBe('event-1');
    });

    // Issue 16: an envelope that disagrees with its stack ARN (a forged detail), key parts that
    // would break the service key `account#region#service`, and values out of any real bound.
    const outOfBounds: readonly [what: string, field: string, message: string, breakIt: (event: Json) => void][] = [
      [
        "an account other than the stack ARN's",
        'account',
        'account: expected 123456789012, the account of detail.stack-id, got "210987654321"',
        (e) => void (e.account = '210987654321'),
      ],
      [
        'no account',
        'account',
        'account: expected 123456789012, the account of detail.stack-id, missing',
        (e) => void delete e.account,
      ],
      [
        "a region other than the stack ARN's",
        'region',
        'region: expected eu-central-1, the region of detail.stack-id, got "us-east-1"',
        (e) => void (e.region = 'us-east-1'),
      ],
      [
        'a stack ARN whose account is not 12 digits',
        'detail.stack-id',
        'detail.stack-id: expected a stack ARN whose account is 12 digits, got ' +
          '"arn:aws:cloudformation:eu-central-1:12345:stack/core"',
        (e) =>
          void Object.assign(e, {
            account: '12345',
            detail: { ...detailOf(e), 'stack-id': 'arn:aws:cloudformation:eu-central-1:12345:stack/core' },
          }),
      ],
      [
        "a stack ARN whose account holds '#'",
        'detail.stack-id',
        'detail.stack-id: expected a stack ARN whose account is 12 digits, got ' +
          '"arn:aws:cloudformation:eu-central-1:1234#6789012:stack/core"',
        (e) => void (detailOf(e)['stack-id'] = 'arn:aws:cloudformation:eu-central-1:1234#6789012:stack/core'),
      ],
      [
        "a stack name holding '#'",
        'detail.stack-id',
        "detail.stack-id: expected a stack name without '#' (it separates the parts of a service key), got " +
          '"arn:aws:cloudformation:eu-central-1:123456789012:stack/core#prod"',
        (e) => void (detailOf(e)['stack-id'] = 'arn:aws:cloudformation:eu-central-1:123456789012:stack/core#prod'),
      ],
      [
        'a status of 65 characters',
        'detail.status-details.status',
        `detail.status-details.status: expected a status of at most 64 characters such as DELETE_IN_PROGRESS, got ` +
          `"${'S'.repeat(65)}"`,
        (e) => void (statusDetailsOf(e).status = 'S'.repeat(65)),
      ],
      [
        'a status reason of 4,097 characters',
        'detail.status-details.status-reason',
        'detail.status-details.status-reason: expected a status reason of at most 4096 characters, got 4097 characters',
        (e) => void (statusDetailsOf(e)['status-reason'] = 'r'.repeat(4097)),
      ],
      [
        'a time before 2010',
        'time',
        'time: expected a time from 2010-01-01T00:00:00Z on, got "2009-12-31T23:59:59Z"',
        (e) => void (e.time = '2009-12-31T23:59:59Z'),
      ],
      [
        'a time more than 15 minutes after now',
        'time',
        'time: expected a time at most 15 minutes after now (2021-09-21T19:09:00Z), got "2021-09-21T19:24:01Z"',
        (e) => void (e.time = '2021-09-21T19:24:01Z'),
      ],
    ];

    it.each(outOfBounds)(
      'rejects a stack status event with %s, naming the field %s',
      (_what, field, message, breakIt) => {
        // Prepare
        const input = validStackEvent();
        breakIt(input);

        // Act: now is the event's own time, as when it arrives at once.
        let error: unknown;
        try {
          parseCloudFormationEvent(input, { now: SEED_START });
        } catch (thrown) {
          error = thrown;
        }

        // Assess
        expect(error).toBeInstanceOf(InvalidEventError);
        expect(error).toMatchObject({ field, message, eventId: 'event-1' });
      },
    );

    it('rejects a resource event without a status', () => {
      // Prepare
      const input = structuredClone(
        resourceEvent(CORE, '2021-09-21T19:09:22Z', 'ScanAnalysisFunction', 'DELETE_IN_PROGRESS'),
      ) as Json;
      delete statusDetailsOf(input).status;

      // Act
      const error = rejection(input);

      // Assess
      expect(error.field).toBe('detail.status-details.status');
      expect(error.message).toMatch(/expected a status/);
    });

    it.each([
      ['null', null],
      ['a number', 42],
      ['a string', 'CloudFormation Stack Status Change'],
      ['an array', [{ source: 'aws.cloudformation' }]],
      ['a boolean', true],
      ['nothing', undefined],
    ])('rejects %s as not an event', (_what, input) => {
      // Act
      const error = rejection(input);

      // Assess
      expect(error.field).toBe('(event)');
      expect(error.message).toMatch(/expected a JSON object/);
      expect(error.eventId).toBeUndefined();
    });

    it('has the name InvalidEventError and is an Error', () => {
      // Prepare
      const input = validStackEvent();
      input.source = 'aws.s3';

      // Act
      const error = rejection(input);

      // Assess
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('InvalidEventError');
    });

    // DESIGN.md, replay contract: "Input that is not a valid CloudFormation event (… unparseable
    // time) is listed in `rejected`". 2021-09-31 does not exist (Date.parse alone would roll it
    // over to 2021-10-01).
    it.each(['2021-09-31T00:00:00Z', '2021-02-29T12:00:00Z', '2021-02-30T21:09:00+02:00'])(
      'rejects a time on a day that does not exist (%s)',
      (time) => {
        // Prepare
        const input = validStackEvent();
        input.time = time;

        // Act
        const error = rejection(input);

        // Assess
        expect(error.field).toBe('time');
        expect(error.message).toMatch(/expected an ISO-8601 time/);
      },
    );
  });

  // JSON.parse builds values far deeper than JSON.stringify can print (it throws RangeError):
  // such a value must still be named in an InvalidEventError, never crash the parser.
  describe('rejects a value nested 100,000 levels deep, naming its field', () => {
    const DEPTH = 100_000;
    const deepArray = (): unknown => JSON.parse(`${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`);
    const deepObject = (): unknown => JSON.parse(`${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`);
    const put = (path: readonly string[], value: unknown) => (event: Json) => {
      const parent = path.slice(0, -1).reduce((object, key) => object[key] as Json, event);
      parent[path.at(-1) as string] = value;
    };

    it.each([
      ['source', 'an array', deepArray, ['source'], 'got [[[[…]]]]'],
      ['source', 'an object', deepObject, ['source'], 'got {"a":{"a":{"a":{…}}}}'],
      ['detail-type', 'an array', deepArray, ['detail-type'], 'got [[[[…]]]]'],
      ['time', 'an object', deepObject, ['time'], 'got {"a":{"a":{"a":{…}}}}'],
      ['detail', 'an array', deepArray, ['detail'], 'got [[[[…]]]]'],
      ['detail.stack-id', 'an array', deepArray, ['detail', 'stack-id'], 'got [[[[…]]]]'],
      ['detail.stack-id', 'an object', deepObject, ['detail', 'stack-id'], 'got {"a":{"a":{"a":{…}}}}'],
      ['detail.status-details', 'an array', deepArray, ['detail', 'status-details'], 'got [[[[…]]]]'],
      ['detail.status-details.status', 'an array', deepArray, ['detail', 'status-details', 'status'], 'got [[[[…]]]]'],
      [
        'detail.status-details.status',
        'an object',
        deepObject,
        ['detail', 'status-details', 'status'],
        'got {"a":{"a":{"a":{…}}}}',
      ],
    ] as const)('%s holding %s', (field, _what, deep, path, shown) => {
      // Prepare
      const input = validStackEvent();
      put(path, deep())(input);

      // Act
      const error = rejection(input);

      // Assess
      expect(error.field).toBe(field);
      expect(error.message.startsWith(`${field}: expected `)).toBe(true);
      expect(error.message.endsWith(`, ${shown}`)).toBe(true);
      expect(error.eventId).toBe('event-1');
    });
  });
});

describe('describeReceived', () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;

  it.each([
    ['nothing', undefined, 'missing'],
    ['a string', 'aws.ec2', 'got "aws.ec2"'],
    ['an empty string', '', 'got ""'],
    ['a number', 1632251340000, 'got 1632251340000'],
    ['null', null, 'got null'],
    ['a boolean', false, 'got false'],
    ['a flat array', [1, 'two', null], 'got [1,"two",null]'],
    ['an empty object', {}, 'got {}'],
    ['an object three levels deep', { a: { b: { c: 1 } } }, 'got {"a":{"b":{"c":1}}}'],
    ['an array four levels deep', [[[[1]]]], 'got [[[[…]]]]'],
    ['a cyclic object', cyclic, 'got {"name":"loop","self":{"name":"loop","self":{"name":"loop","self":{…}}}}'],
    ['a long string', 'x'.repeat(200), `got "${'x'.repeat(76)}...`],
    ['a long array', Array.from({ length: 50 }, () => 7), `got [${'7,'.repeat(38)}...`],
  ])('describes %s', (_what, value, expected) => {
    // Act
    const described = describeReceived(value);

    // Assess
    expect(described).toBe(expected);
  });
});
