/**
 * `cfn-watchdog import`: the output of `aws cloudformation describe-stack-events` turned into
 * replay input, the EventBridge events CloudFormation would have put on the bus for those rows,
 * so that an incident nobody archived can still be replayed (docs/capture-events.md).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as z from 'zod/mini';
import { describeReceived } from '../shared/domain/cfn-event.ts';
import { DetailType, parseStackArn, type StackRef } from '../shared/domain/events.ts';
import { formatInstant, parseInstant, type Instant } from '../shared/domain/time.ts';
import { decodeText, TextEncodingError } from './text-input.ts';
import { UserInputError } from '../shared/errors.ts';

/** What is wrong with one input file: its whole message names the file. */
export class ImportInputError extends UserInputError {
  readonly file: string;

  constructor(file: string, problem: string, options?: ErrorOptions) {
    super(`${file}: ${problem}`, options);
    this.name = 'ImportInputError';
    this.file = file;
  }
}

const STACK_TYPE = 'AWS::CloudFormation::Stack';

const text = (what: string) => z.string({ error: `expected ${what}` });
const nonEmpty = (what: string) => text(what).check(z.minLength(1, { error: `expected ${what}` }));

const StackEventSchema = z
  .object(
    {
      EventId: nonEmpty("the event's id"),
      StackId: nonEmpty('a stack ARN').check(
        z.refine((arn) => parseStackArn(arn) !== null, {
          error: 'expected a stack ARN arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID',
        }),
      ),
      StackName: nonEmpty("the stack's name"),
      LogicalResourceId: nonEmpty("the resource's logical id (the stack's name on the stack's own rows)"),
      PhysicalResourceId: z.optional(text('a string')),
      ResourceType: nonEmpty('a resource type such as AWS::Lambda::Function'),
      Timestamp: nonEmpty('a time with its offset such as 2021-09-21T19:09:00.123000+00:00').check(
        z.refine((time) => parseInstant(time) !== null, {
          error: 'expected a time with its offset such as 2021-09-21T19:09:00.123000+00:00',
        }),
      ),
      ResourceStatus: z.optional(nonEmpty('a status such as UPDATE_IN_PROGRESS')),
      ResourceStatusReason: z.optional(text('a string')),
      ClientRequestToken: z.optional(text('a string')),
      HookStatus: z.optional(text('a string')),
    },
    { error: 'expected a stack event (an object)' },
  )
  .check(
    // A hook's invocation is listed among the events with a HookStatus and no status of its
    // own; every other row is a status change and must say which.
    z.refine((row) => row.ResourceStatus !== undefined || row.HookStatus !== undefined, {
      error: 'expected a status such as UPDATE_IN_PROGRESS',
      path: ['ResourceStatus'],
    }),
  );

const DescribeStackEventsSchema = z.object(
  {
    StackEvents: z.array(StackEventSchema, {
      error:
        'expected the output of `aws cloudformation describe-stack-events`, an object with a StackEvents array ' +
        '(without --query)',
    }),
  },
  {
    error:
      'expected the output of `aws cloudformation describe-stack-events`, an object with a StackEvents array ' +
      '(without --query)',
  },
);

export type StackEventRow = z.infer<typeof StackEventSchema>;

/** `StackEvents[3].Timestamp`, as one finds it in the file. */
function fieldName(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path)
    value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  return value;
}

/**
 * The rows of one file's describe-stack-events output, or an {@link ImportInputError} naming the
 * first thing wrong in it: not JSON, no StackEvents array, or which row lacks which field.
 *
 * @example
 * const rows = readStackEvents('page-1.json', readFileSync('page-1.json', 'utf8'));
 */
export function readStackEvents(file: string, content: string): StackEventRow[] {
  let input: unknown;
  try {
    input = JSON.parse(content);
  } catch (error) {
    throw new ImportInputError(file, `not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = DescribeStackEventsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path ?? [];
    const where = path.length === 0 ? '' : `${fieldName(path)}: `;
    throw new ImportInputError(
      file,
      `${where}${issue?.message ?? 'invalid'}, ${describeReceived(valueAt(input, path))}`,
    );
  }
  return parsed.data.StackEvents;
}

/** Fixed, so that an event's id is the same on every run (UUID version 5, RFC 9562). */
const ID_NAMESPACE = Buffer.from('a1048f020ff74cce9d4df0cb1d8969b2', 'hex');

/** A UUID-shaped id for the EventBridge event, derived from the stack event's own id alone. */
function eventBridgeId(eventId: string): string {
  const hash = createHash('sha1').update(ID_NAMESPACE).update(eventId, 'utf8').digest().subarray(0, 16);
  hash.writeUInt8((hash.readUInt8(6) & 0x0f) | 0x50, 6);
  hash.writeUInt8((hash.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The stack's own row. A nested stack's row in its parent has the same type but the nested
 * stack's ARN as its physical id, and stays a resource event: that is how replay finds nesting.
 * The physical id is empty on a stack's very first row, so the name decides there.
 */
function isStackItself(row: StackEventRow): boolean {
  if (row.ResourceType !== STACK_TYPE) return false;
  return row.PhysicalResourceId ? row.PhysicalResourceId === row.StackId : row.LogicalResourceId === row.StackName;
}

/** What an EventBridge event of CloudFormation says, whatever it was read from. */
export interface EventBridgeFields {
  readonly id: string;
  readonly time: Instant;
  /** A stack ARN. */
  readonly stackId: string;
  /** `null` for the stack's own status change. */
  readonly resource: {
    readonly logicalResourceId: string;
    readonly physicalResourceId: string;
    readonly resourceType: string;
  } | null;
  readonly status: string;
  readonly statusReason: string;
  readonly clientRequestToken: string;
}

/**
 * The EventBridge event, its fields and their order those of the events AWS publishes: what
 * `import` makes of describe-stack-events rows and `export` of the events a table keeps.
 *
 * @example
 * JSON.stringify(eventBridgeShape({ id, time, stackId, resource: null, status: 'DELETE_IN_PROGRESS', … }));
 */
export function eventBridgeShape(fields: EventBridgeFields): Record<string, unknown> {
  const stack = parseStackArn(fields.stackId) as StackRef;
  const statusDetails = { status: fields.status, 'status-reason': fields.statusReason };
  const token = fields.clientRequestToken;
  const { resource } = fields;
  return {
    version: '0',
    id: fields.id,
    'detail-type': resource === null ? DetailType.STACK_STATUS : DetailType.RESOURCE_STATUS,
    source: 'aws.cloudformation',
    account: stack.account,
    // EventBridge's `time` is to the second.
    time: formatInstant(fields.time),
    region: stack.region,
    resources: [fields.stackId],
    detail:
      resource === null
        ? { 'stack-id': fields.stackId, 'status-details': statusDetails, 'client-request-token': token }
        : {
            'stack-id': fields.stackId,
            'logical-resource-id': resource.logicalResourceId,
            'physical-resource-id': resource.physicalResourceId,
            'status-details': statusDetails,
            'resource-type': resource.resourceType,
            'client-request-token': token,
          },
  };
}

/** The EventBridge event of one describe-stack-events row. */
export function toEventBridgeEvent(row: StackEventRow & { readonly ResourceStatus: string }): Record<string, unknown> {
  // StackId was checked to be a stack ARN.
  return eventBridgeShape({
    id: eventBridgeId(row.EventId),
    time: parseInstant(row.Timestamp) ?? 0,
    stackId: row.StackId,
    resource: isStackItself(row)
      ? null
      : {
          logicalResourceId: row.LogicalResourceId,
          physicalResourceId: row.PhysicalResourceId ?? '',
          resourceType: row.ResourceType,
        },
    status: row.ResourceStatus,
    statusReason: row.ResourceStatusReason ?? '',
    clientRequestToken: row.ClientRequestToken ?? '',
  });
}

/**
 * The JSON Lines of the events of every row given, each event once (pages and files overlap),
 * in the order of their Timestamp to the millisecond. describe-stack-events lists the newest
 * first, so rows of one millisecond are taken in the reverse of the order given.
 */
export function stackEventsToReplayInput(rows: readonly StackEventRow[]): string {
  const seen = new Set<string>();
  const unique: {
    readonly row: StackEventRow & { readonly ResourceStatus: string };
    readonly at: number;
    readonly position: number;
  }[] = [];
  rows.forEach((row, position) => {
    if (row.ResourceStatus === undefined || seen.has(row.EventId)) return;
    seen.add(row.EventId);
    unique.push({
      row: { ...row, ResourceStatus: row.ResourceStatus },
      at: parseInstant(row.Timestamp) ?? 0,
      position,
    });
  });
  unique.sort((a, b) => a.at - b.at || b.position - a.position);
  return unique.map(({ row }) => `${JSON.stringify(toEventBridgeEvent(row))}\n`).join('');
}

/**
 * Reads every file, then converts them all, or nothing: an on-call engineer replaying half an
 * incident would draw the wrong conclusions. Every bad file is named, not only the first.
 *
 * @example
 * const { output, problems } = await importFiles(['page-1.json', 'page-2.json']);
 */
export async function importFiles(
  files: readonly string[],
): Promise<{ readonly output: string; readonly problems: readonly string[] }> {
  const rows: StackEventRow[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      // Not push(...rows): a month of one busy stack is more arguments than a call takes.
      for (const row of readStackEvents(file, await readText(file))) rows.push(row);
    } catch (error) {
      if (!(error instanceof ImportInputError)) throw error;
      problems.push(error.message);
    }
  }
  return problems.length > 0 ? { output: '', problems } : { output: stackEventsToReplayInput(rows), problems };
}

async function readText(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new ImportInputError(file, `cannot read it: ${unreadable(error)}`, { cause: error });
  }
  try {
    return decodeText(bytes);
  } catch (error) {
    if (!(error instanceof TextEncodingError)) throw error;
    throw new ImportInputError(file, error.message, { cause: error });
  }
}

function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'a folder, not a file';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}
