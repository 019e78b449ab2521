/**
 * Reading a replay file (DESIGN.md, "The replay contract"): a JSON array or JSON Lines of
 * EventBridge events, each optionally wrapped as `{"deliverAt": …, "event": …}`.
 */
import { InvalidEventError, parseCloudFormationEvent } from '../shared/domain/cfn-event.ts';
import type { CloudFormationEvent } from '../shared/domain/events.ts';
import { floorToSecond, parseInstant, type Instant } from '../shared/domain/time.ts';

export interface Delivery {
  /** Position in the file: array element or line, 0-based, blank lines counted. */
  readonly index: number;
  readonly deliverAt: Instant;
  readonly event: CloudFormationEvent;
}

export interface Rejected {
  readonly index: number;
  readonly id?: string;
  readonly error: string;
}

export class ReplayInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReplayInputError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function idOf(value: unknown): string | undefined {
  const id = isRecord(value) ? value['id'] : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function readElement(index: number, element: unknown): Delivery | Rejected {
  const wrapped = isRecord(element) && 'deliverAt' in element;
  const input = wrapped ? element['event'] : element;
  const id = idOf(input);
  try {
    let deliverAt: Instant | null = null;
    if (wrapped) {
      const text = element['deliverAt'];
      const parsed = typeof text === 'string' ? parseInstant(text) : null;
      deliverAt = parsed === null ? null : floorToSecond(parsed);
      if (deliverAt === null) {
        return { index, ...(id ? { id } : {}), error: `deliverAt: expected an ISO-8601 time such as 2021-09-21T19:09:00Z, got ${JSON.stringify(text)}` };
      }
    }
    if (wrapped && !('event' in element)) {
      return { index, error: 'event: expected the EventBridge event to deliver at deliverAt, missing' };
    }
    const event = parseCloudFormationEvent(input);
    return { index, deliverAt: deliverAt ?? event.time, event };
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return { index, ...(id ? { id } : {}), error: wrapped ? `event.${error.message}` : error.message };
  }
}

/**
 * Splits a replay file into deliveries and rejected elements.
 *
 * @example
 * const { deliveries, rejected } = readReplayInput(readFileSync('incident.jsonl', 'utf8'));
 */
export function readReplayInput(text: string): { deliveries: Delivery[]; rejected: Rejected[] } {
  const deliveries: Delivery[] = [];
  const rejected: Rejected[] = [];
  const take = (index: number, element: unknown): void => {
    const read = readElement(index, element);
    if ('event' in read) deliveries.push(read);
    else rejected.push(read);
  };
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
      take(0, element);
      return { deliveries, rejected };
    }
  }
  if (trimmed.startsWith('[')) {
    let elements: unknown;
    try {
      elements = JSON.parse(text);
    } catch (error) {
      throw new ReplayInputError(`not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    (elements as unknown[]).forEach((element, index) => take(index, element));
  } else {
    text.split(/\r?\n/).forEach((line, index) => {
      if (line.trim() === '') return;
      let element: unknown;
      try {
        element = JSON.parse(line);
      } catch (error) {
        rejected.push({ index, error: `line ${index + 1}: not valid JSON (${(error as Error).message})` });
        return;
      }
      take(index, element);
    });
  }
  return { deliveries, rejected };
}
