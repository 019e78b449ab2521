/**
 * A service built by hand for domain tests: its stacks' states, and the service-level view the
 * sweeper derives from them (operations with their claims, windows from the first event). The
 * functions mirror the stack-level ones (stack-state.ts), applied to the stack a record or claim
 * belongs to.
 */
import type { Claim } from '../../shared/domain/claims.ts';
import type { WatchdogConfig } from '../../shared/domain/config.ts';
import { viewOperations, type OperationView } from '../../shared/domain/operation-view.ts';
import { storageOrder, type StatusRecord } from '../../shared/domain/operations.ts';
import type { ServiceKey } from '../../shared/domain/service.ts';
import { serviceWindows } from '../../shared/domain/service-walk.ts';
import type { StackFacts } from '../../shared/domain/stack-facts.ts';
import * as stackState from '../../shared/domain/stack-state.ts';
import type { StackState } from '../../shared/domain/stack-state.ts';
import type { ImpactWindow } from '../../shared/domain/windows.ts';

export interface ServiceFixture {
  readonly key: ServiceKey;
  readonly stacks: readonly StackState[];
}

export interface FixtureView {
  readonly key: ServiceKey;
  readonly operations: readonly OperationView[];
  readonly windows: readonly ImpactWindow[];
}

export const emptyFixture = (key: ServiceKey): ServiceFixture => ({ key, stacks: [] });

/** Every record of the fixture, in the order a stack keeps its own (by time, stack id, status). */
export const recordsOf = (fixture: ServiceFixture): StatusRecord[] =>
  fixture.stacks.flatMap((stack) => stack.records).sort(storageOrder);
export const claimsOf = (fixture: ServiceFixture): Claim[] => fixture.stacks.flatMap((stack) => stack.claims);

function onStack(
  fixture: ServiceFixture,
  stack: { stackId: string; stackName: string },
  change: (state: StackState) => StackState,
): ServiceFixture {
  const known =
    fixture.stacks.find((state) => state.stackId === stack.stackId) ??
    stackState.emptyStackState(fixture.key, stack.stackId, stack.stackName);
  const changed = change(known);
  return { ...fixture, stacks: [...fixture.stacks.filter((state) => state.stackId !== stack.stackId), changed] };
}

export function withStatusRecord(
  fixture: ServiceFixture,
  record: StatusRecord,
): { state: ServiceFixture; changed: boolean } {
  let changed = false;
  const state = onStack(fixture, record, (stack) => {
    const result = stackState.withStatusRecord(stack, record);
    changed = result.changed;
    return result.state;
  });
  return { state: changed ? state : fixture, changed };
}

export function withClaims(fixture: ServiceFixture, claims: readonly Claim[]): ServiceFixture {
  return claims.reduce(
    (state, claim) =>
      onStack(state, { stackId: claim.stackId, stackName: '' }, (stack) => stackState.withClaims(stack, [claim])),
    fixture,
  );
}

export function withStackFacts(fixture: ServiceFixture, stackId: string, facts: StackFacts): ServiceFixture {
  return onStack(fixture, { stackId, stackName: '' }, (stack) => stackState.withStackFacts(stack, facts).state);
}

export function fixtureOf(
  key: ServiceKey,
  records: readonly StatusRecord[],
  claims: readonly Claim[] = [],
): ServiceFixture {
  return withClaims(
    records.reduce((state, record) => withStatusRecord(state, record).state, emptyFixture(key)),
    claims,
  );
}

export function countsForRules(fixture: ServiceFixture, record: StatusRecord): boolean {
  const stack = fixture.stacks.find((state) => state.stackId === record.stackId);
  return stack !== undefined && stackState.countsForRules(stack, record);
}

/** What the sweeper would derive: the stacks' operations, and the windows from the first event on. */
export function viewService(fixture: ServiceFixture, now: number, config: WatchdogConfig): FixtureView {
  return {
    key: fixture.key,
    operations: viewOperations(fixture.stacks, now, config),
    windows: serviceWindows(null, fixture.stacks, now, config),
  };
}

/** A claim as tests write it: `sentAt` a time (sent), `null` (pending), or suppressed. */
export function sentAs(sentAt: number | null): Pick<Claim, 'delivery'> {
  return { delivery: sentAt === null ? { state: 'pending' } : { state: 'sent', at: sentAt } };
}

export function withSighting(fixture: ServiceFixture, stackId: string, at: number): { state: ServiceFixture } {
  return { state: onStack(fixture, { stackId, stackName: '' }, (stack) => stackState.withSighting(stack, at).state) };
}
