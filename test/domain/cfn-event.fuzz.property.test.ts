/**
 * Bad input never gets further than a typed validation error: arbitrary JSON and mutated real
 * events either parse into a well-formed domain event or raise InvalidEventError naming a field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidEventError, parseCloudFormationEvent } from '../../shared/domain/cfn-event.ts';
import type { CloudFormationEvent } from '../../shared/domain/events.ts';
import { resourceEvent, stackEvent } from '../support/events.ts';

const STACK = { name: 'checkout-api', account: '123456789012', region: 'eu-west-1' };
const VALID: readonly unknown[] = [
  stackEvent(STACK, '2025-02-11T09:15:12Z', 'UPDATE_IN_PROGRESS', 'User Initiated', 'e-1'),
  resourceEvent(STACK, '2025-02-11T09:17:05Z', 'OldWorkerFunction', 'DELETE_IN_PROGRESS'),
];

/** Parses, and says what came out: an event, or the field a typed error named. */
function outcome(input: unknown): { event: CloudFormationEvent } | { field: string } {
  try {
    return { event: parseCloudFormationEvent(input) };
  } catch (error) {
    if (error instanceof InvalidEventError) return { field: error.field };
    throw error;
  }
}

function wellFormed(event: CloudFormationEvent): void {
  expect(['stack-status', 'resource-status', 'other']).toContain(event.kind);
  expect(Number.isInteger(event.time)).toBe(true);
  expect(event.time % 1000).toBe(0);
  for (const text of [event.stackId, event.stackName, event.account, event.region, event.eventId])
    expect(typeof text).toBe('string');
  if (event.kind !== 'other') expect(event.status).not.toBe('');
}

type Path = readonly (string | number)[];

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, item]) => pathsOf(item, [...prefix, key]))];
}

/** A copy of `value` with the thing at `path` replaced by `replacement`, or removed. */
function mutate(value: unknown, path: Path, replacement: { remove: true } | { with: unknown }): unknown {
  if (path.length === 0) return 'remove' in replacement ? undefined : replacement.with;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if ('remove' in replacement) delete parent[last];
  else parent[last] = replacement.with;
  return copy;
}

describe('parseCloudFormationEvent under fuzzing', () => {
  it('answers any JSON value with an event or an InvalidEventError, nothing else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (input) => {
        const result = outcome(input);
        if ('event' in result) wellFormed(result.event);
        else expect(result.field).not.toBe('');
      }),
      { numRuns: 2000 },
    );
  });

  it('answers a real event with one field removed or replaced by any JSON value the same way', () => {
    const mutation = fc.constantFrom(...VALID).chain((valid) =>
      fc.tuple(
        fc.constant(valid),
        fc.constantFrom(...pathsOf(valid)),
        fc.oneof(
          fc.constant({ remove: true } as const),
          fc.jsonValue().map((value) => ({ with: value })),
        ),
      ),
    );
    fc.assert(
      fc.property(mutation, ([valid, path, replacement]) => {
        const result = outcome(mutate(valid, path, replacement));
        if ('event' in result) wellFormed(result.event);
        else expect(result.field.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('names the mutated field when a validated field is removed', () => {
    for (const [path, field] of [
      [['source'], 'source'],
      [['detail-type'], 'detail-type'],
      [['time'], 'time'],
      [['detail', 'stack-id'], 'detail.stack-id'],
      [['detail', 'status-details', 'status'], 'detail.status-details.status'],
    ] as const) {
      expect(outcome(mutate(VALID[0], path, { remove: true }))).toEqual({ field });
    }
  });
});
