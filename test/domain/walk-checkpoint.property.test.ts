import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import { isTerminal, DELETE_COMPLETE, UPDATE_ROLLBACK_FAILED } from '../../shared/domain/status.ts';
import type { StatusRecord } from '../../shared/domain/operations.ts';
import { deriveWindows, walkCheckpoint, type Baseline, type ImpactWindow } from '../../shared/domain/windows.ts';
import { historyArb, HOUR, MIN, SERVICE_RULES, serviceIdOf } from '../support/histories.ts';

const config: WatchdogConfig = { ...DEFAULT_CONFIG, serviceRules: SERVICE_RULES };

/** The events of one service (the first one a history has). */
const serviceHistory = historyArb.map((records) => {
  const first = records[0];
  return first ? records.filter((record) => serviceIdOf(record) === serviceIdOf(first)) : [];
});

/** The windows a walk from `checkpoint` is responsible for: the one open then, and those after. */
const fromCheckpoint = (windows: readonly ImpactWindow[], checkpoint: Baseline): ImpactWindow[] =>
  windows.filter((window) =>
    checkpoint.open ? window.start >= checkpoint.open.start : window.start > checkpoint.asOf,
  );

/**
 * One stack's records as a stack item that folded its history at `at` would keep: those after
 * the stack's last terminal at or before `at` (nothing of it running then; not a failed rollback,
 * which the next operation continues from; not a deletion, which is final), else all.
 */
function foldedAt(records: readonly StatusRecord[], at: number): StatusRecord[] {
  if (records.some((record) => record.status === DELETE_COMPLETE)) return [...records];
  const sorted = [...records].sort((a, b) => a.time - b.time);
  const cut = sorted
    .filter(
      (record, index) =>
        record.time <= at &&
        isTerminal(record.status) &&
        record.status !== UPDATE_ROLLBACK_FAILED &&
        sorted[index + 1]?.time !== record.time,
    )
    .at(-1);
  return cut ? sorted.filter((record) => record.time > cut.time) : sorted;
}

const cases = fc.tuple(
  serviceHistory,
  fc.integer({ min: -HOUR, max: 6 * HOUR }),
  fc.integer({ min: 0, max: 3 * HOUR }),
);

describe('a walk over a service’s events that goes on from a checkpoint', () => {
  it('gives the windows a walk over all of them gives, from the checkpoint on', () => {
    fc.assert(
      fc.property(cases, ([records, offset, after]) => {
        // Prepare
        const first = records[0]?.time ?? 0;
        const now = (records.at(-1)?.time ?? 0) + after;
        const at = Math.min(now, first + offset);
        const checkpoint = walkCheckpoint(records, now, config, null, at);

        // Act
        const continued = deriveWindows(records, now, config, checkpoint);

        // Assess
        expect(continued).toEqual(fromCheckpoint(deriveWindows(records, now, config), checkpoint));
      }),
      { numRuns: 300 },
    );
  });

  it('needs no stack’s operations that ended before it: stacks may fold their history at the checkpoint', () => {
    let foldedRuns = 0;
    fc.assert(
      fc.property(cases, ([records, offset, after]) => {
        // Prepare
        const first = records[0]?.time ?? 0;
        const now = (records.at(-1)?.time ?? 0) + after;
        const at = Math.min(now, first + offset);
        const checkpoint = walkCheckpoint(records, now, config, null, at);
        const stacks = [...new Set(records.map((record) => record.stackId))];
        const kept = stacks.flatMap((stackId) =>
          foldedAt(
            records.filter((record) => record.stackId === stackId),
            at,
          ),
        );
        foldedRuns += kept.length < records.length ? 1 : 0;

        // Act
        const continued = deriveWindows(kept, now, config, checkpoint);

        // Assess
        expect(continued).toEqual(fromCheckpoint(deriveWindows(records, now, config), checkpoint));
      }),
      { numRuns: 300 },
    );
    expect(foldedRuns).toBeGreaterThan(50);
  });

  it('is one walk however often it is checkpointed: a checkpoint of a walk from a checkpoint is the same', () => {
    fc.assert(
      fc.property(cases, fc.integer({ min: 0, max: 4 * HOUR }), ([records, offset, after], step) => {
        // Prepare
        const first = records[0]?.time ?? 0;
        const now = (records.at(-1)?.time ?? 0) + after;
        const at = Math.min(now, first + offset);
        const later = Math.min(now, at + step);

        // Act
        const chained = walkCheckpoint(records, now, config, walkCheckpoint(records, now, config, null, at), later);

        // Assess
        expect(chained).toEqual(walkCheckpoint(records, now, config, null, later));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the open window’s stacks and peak from before the checkpoint', () => {
    // Prepare: a deletion hanging 45 minutes opens a window; a second stack fails inside it.
    const stack = (name: string) => `arn:aws:cloudformation:eu-west-1:123456789012:stack/${name}/0`;
    const at = (minutes: number) => Date.parse('2021-09-21T19:00:00Z') + minutes * MIN;
    const record = (name: string, minutes: number, status: string): StatusRecord => ({
      stackId: stack(name),
      stackName: name,
      time: at(minutes),
      status,
      statusReason: '',
    });
    const records = [
      record('alpha-a', -60, 'CREATE_IN_PROGRESS'),
      record('alpha-a', -59, 'CREATE_COMPLETE'),
      record('alpha-b', -58, 'CREATE_IN_PROGRESS'),
      record('alpha-b', -57, 'CREATE_COMPLETE'),
      record('alpha-a', 0, 'DELETE_IN_PROGRESS'),
      record('alpha-b', 5, 'UPDATE_IN_PROGRESS'),
      record('alpha-b', 6, 'UPDATE_ROLLBACK_IN_PROGRESS'),
      record('alpha-b', 7, 'UPDATE_ROLLBACK_COMPLETE'),
      record('alpha-a', 45, 'DELETE_COMPLETE'),
    ];
    const checkpoint = walkCheckpoint(records, at(50), config, null, at(30));

    // Act: alpha-b's failed update is folded away; only alpha-a's deletion is left to walk.
    const continued = deriveWindows(
      records.filter((kept) => kept.stackName === 'alpha-a' && kept.time >= at(0)),
      at(50),
      config,
      checkpoint,
    );

    // Assess
    expect(checkpoint.open).toEqual({
      start: at(0),
      stacks: ['alpha-a', 'alpha-b'],
      waitingSince: null,
      peak: 'FAILED',
    });
    expect(continued).toEqual([
      {
        start: at(0),
        end: at(45),
        peakSeverity: 'FAILED',
        stacks: ['alpha-a', 'alpha-b'],
        awaitingReplacementSince: null,
      },
    ]);
  });
});
