/**
 * Reading a replay file (DESIGN.md, "The replay contract"): a JSON array or JSON Lines of
 * EventBridge events, each optionally wrapped as `{"deliverAt": …, "event": …}` (delivered late)
 * or `{"lost": true, "event": …}` (emitted by CloudFormation, never delivered).
 */
import {
  describeReceived,
  escapeControlCharacters,
  InvalidEventError,
  parseCloudFormationEvent,
} from '../shared/domain/cfn-event.ts';
import type { CloudFormationEvent } from '../shared/domain/events.ts';
import { floorToSecond, parseInstant, type Instant } from '../shared/domain/time.ts';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { detectEncoding } from './text-input.ts';
import { UserInputError } from '../shared/errors.ts';

export interface Delivery {
  /** Position in the file: array element or line, 0-based, blank lines counted. */
  readonly index: number;
  readonly deliverAt: Instant;
  readonly event: CloudFormationEvent;
}

/**
 * An event CloudFormation emitted that never reached the watchdog: never delivered, only what
 * `--simulate-cloudformation` answers DescribeStacks from.
 */
export interface LostEvent {
  /** Position in the file: array element or line, 0-based, blank lines counted. */
  readonly index: number;
  readonly event: CloudFormationEvent;
}

export interface ReplayInput {
  readonly deliveries: Delivery[];
  readonly lost: LostEvent[];
  readonly rejected: Rejected[];
  /** What an index counts: lines of JSON Lines, or elements of a JSON array (a lone event is one). */
  readonly unit: 'line' | 'element';
}

export interface Rejected {
  readonly index: number;
  readonly id?: string;
  readonly error: string;
}

export class ReplayInputError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReplayInputError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function idOf(value: unknown): string | undefined {
  const id = isRecord(value) ? value.id : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function rejectedAt(index: number, input: unknown, error: string): Rejected {
  const id = idOf(input);
  return { index, ...(id ? { id } : {}), error };
}

/**
 * Parses one event; the fields of a wrapped one are named from the wrapper (`event.detail.stack-id`).
 * `now` is the delivery's virtual time, its `deliverAt`, so that history, however old, is judged
 * against the clock it was delivered at: an event delivered at its own time is never in the future.
 */
function readEvent(
  index: number,
  input: unknown,
  prefix: '' | 'event.',
  now?: Instant,
): { readonly event: CloudFormationEvent } | Rejected {
  try {
    return { event: parseCloudFormationEvent(input, now === undefined ? {} : { now }) };
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return rejectedAt(index, input, `${prefix}${error.message}`);
  }
}

/** `{"deliverAt": …, "event": …}` or `{"lost": true, "event": …}`. */
function readWrapped(index: number, element: Record<string, unknown>): Delivery | LostEvent | Rejected {
  const input = element.event;
  const late = 'deliverAt' in element;
  if (late && 'lost' in element) {
    return rejectedAt(
      index,
      input,
      'lost: an event is either lost or delivered late at deliverAt, not both; give one of "lost" and "deliverAt"',
    );
  }
  let deliverAt: Instant | null = null;
  if (late) {
    const text = element.deliverAt;
    const parsed = typeof text === 'string' ? parseInstant(text) : null;
    deliverAt = parsed === null ? null : floorToSecond(parsed);
    if (deliverAt === null)
      return rejectedAt(
        index,
        input,
        `deliverAt: expected an ISO-8601 time such as 2021-09-21T19:09:00Z, ${describeReceived(text)}`,
      );
  } else if (element.lost !== true) {
    return rejectedAt(
      index,
      input,
      `lost: expected true (an event CloudFormation emitted that was never delivered), ` +
        `${describeReceived(element.lost)}`,
    );
  }
  if (!('event' in element)) {
    return {
      index,
      error: `event: expected the EventBridge event ${late ? 'to deliver at deliverAt' : 'that was lost'}, missing`,
    };
  }
  // A lost event was never delivered: no clock saw it.
  const read = readEvent(index, input, 'event.', deliverAt ?? undefined);
  if (!('event' in read)) return read;
  return deliverAt === null ? { index, event: read.event } : { index, deliverAt, event: read.event };
}

function readElement(index: number, element: unknown): Delivery | LostEvent | Rejected {
  // An EventBridge event has neither key: either one makes the element a wrapper.
  if (isRecord(element) && ('deliverAt' in element || 'lost' in element)) return readWrapped(index, element);
  const read = readEvent(index, element, '');
  return 'event' in read ? { index, deliverAt: read.event.time, event: read.event } : read;
}

/** Collects what elements are read as: deliveries, lost events, rejected elements. */
function collector(): Omit<ReplayInput, 'unit'> & {
  take(index: number, element: unknown): void;
  line(index: number, line: string): void;
} {
  const deliveries: Delivery[] = [];
  const lost: LostEvent[] = [];
  const rejected: Rejected[] = [];
  const take = (index: number, element: unknown): void => {
    const read = readElement(index, element);
    if (!('event' in read)) rejected.push(read);
    else if ('deliverAt' in read) deliveries.push(read);
    else lost.push(read);
  };
  const line = (index: number, text: string): void => {
    if (text.trim() === '') return;
    let element: unknown;
    try {
      element = JSON.parse(text);
    } catch (error) {
      rejected.push({ index, error: `not valid JSON (${escapeControlCharacters((error as Error).message)})` });
      return;
    }
    take(index, element);
  };
  return { deliveries, lost, rejected, take, line };
}

const BYTE_ORDER_MARK = '\uFEFF';

/**
 * Splits a replay file into deliveries, lost events and rejected elements.
 *
 * @example
 * const { deliveries, lost, rejected } = readReplayInput(readFileSync('incident.jsonl', 'utf8'));
 */
export function readReplayInput(withMark: string): ReplayInput {
  // Text read with a byte-order mark left in (readFileSync's 'utf8' keeps it); JSON.parse takes none.
  const text = withMark.startsWith(BYTE_ORDER_MARK) ? withMark.slice(BYTE_ORDER_MARK.length) : withMark;
  const input = collector();
  const { deliveries, lost, rejected } = input;
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    // One event, maybe pretty-printed (events/samples/*.json, `sam local invoke -e` files).
    let element: unknown;
    try {
      element = JSON.parse(text);
    } catch {
      element = undefined;
    }
    if (element !== undefined) {
      input.take(0, element);
      return { deliveries, lost, rejected, unit: 'element' };
    }
  }
  if (trimmed.startsWith('[')) {
    let elements: unknown;
    try {
      elements = JSON.parse(text);
    } catch (error) {
      throw new ReplayInputError(`not valid JSON: ${escapeControlCharacters((error as Error).message)}`, {
        cause: error,
      });
    }
    for (const [index, element] of (elements as unknown[]).entries()) input.take(index, element);
    return { deliveries, lost, rejected, unit: 'element' };
  }
  for (const [index, line] of text.split(/\r?\n/).entries()) input.line(index, line);
  return { deliveries, lost, rejected, unit: 'line' };
}

/**
 * Reads a replay file as {@link readReplayInput} does, JSON Lines line by line without holding
 * the file's text (a month of history is gigabytes); a JSON array or a pretty-printed single
 * event is read whole.
 *
 * @example
 * const { deliveries, lost, rejected } = await readReplayFile('org-month.jsonl');
 */
export async function readReplayFile(path: string): Promise<ReplayInput> {
  const lines = createInterface({ input: Readable.from(decodedChunks(path)), crlfDelay: Number.POSITIVE_INFINITY });
  const input = collector();
  const head: string[] = [];
  let index = 0;
  let mode: 'undecided' | 'lines' | 'whole' = 'undecided';
  for await (const line of lines) {
    if (mode === 'lines') {
      input.line(index++, line);
      continue;
    }
    head.push(line);
    if (mode === 'whole' || line.trim() === '') continue;
    // JSON Lines when the first element is one whole line; anything else is read whole.
    const first = line.trimStart();
    mode = first.startsWith('{') && parses(first) ? 'lines' : 'whole';
    if (mode === 'lines') for (const seen of head.splice(0)) input.line(index++, seen);
  }
  if (mode === 'lines')
    return { deliveries: input.deliveries, lost: input.lost, rejected: input.rejected, unit: 'line' };
  return readReplayInput(head.join('\n'));
}

/**
 * The file's text, chunk by chunk, in the encoding its byte-order mark announces (UTF-16 as
 * Windows PowerShell writes it), the mark dropped; UTF-8 without one.
 */
async function* decodedChunks(path: string): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined;
  for await (const chunk of createReadStream(path)) {
    const bytes = chunk as Buffer;
    // Not fatal: a line with bytes invalid in the encoding is rejected, not the whole file.
    decoder ??= new TextDecoder(detectEncoding(bytes).encoding);
    yield decoder.decode(bytes, { stream: true });
  }
  const rest = decoder?.decode() ?? '';
  if (rest !== '') yield rest;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
