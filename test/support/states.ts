/**
 * Services built by hand, for tests that need a store holding them in a given shape.
 */
import { DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import type { Claim } from '../../shared/domain/claims.ts';
import { storageOrder, type StatusRecord } from '../../shared/domain/operations.ts';
import type { ServiceKey } from '../../shared/domain/service.ts';
import type { StackState } from '../../shared/domain/stack-state.ts';
import type { WatchdogStore } from '../../shared/app/ports.ts';
import type { WatchdogDeps } from '../../shared/app/deps.ts';
import { silentLog } from '../../shared/app/log.ts';
import { walkWindows, windowsAsOf } from '../../shared/app/walk-windows.ts';
import { viewOperations } from '../../shared/domain/operation-view.ts';
import { fixtureOf, type ServiceFixture } from './service-fixture.ts';
import { stackArn } from './events.ts';

/** Use-case dependencies that publish nothing, at a fixed `now`: for deriving windows in tests. */
function quietDeps(store: WatchdogStore, config: WatchdogConfig, now: number): WatchdogDeps {
  const noPublishing = { publish: async () => undefined };
  return {
    store,
    config,
    clock: () => now,
    log: silentLog,
    notifier: noPublishing,
    escalations: noPublishing,
    windowEvents: noPublishing,
  };
}

export const DAY = '2024-03-05';
/** `10:00` or `10:00:30` on {@link DAY}, as an instant. */
export const t = (clock: string): number => Date.parse(`${DAY}T${clock.length === 5 ? `${clock}:00` : clock}Z`);
/** `10:00` or `10:00:30` on {@link DAY}, as ISO text. */
export const iso = (clock: string): string => new Date(t(clock)).toISOString().replace('.000Z', 'Z');

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const serviceKey = (service: string): ServiceKey => ({ account: ACCOUNT, region: REGION, service });

/** A status record of stack `name` (default ARN of test/support/events.ts). */
export function record(name: string, clock: string, status: string, statusReason = ''): StatusRecord {
  return { stackId: stackArn({ name }), stackName: name, time: t(clock), status, statusReason };
}

/** A service whose stacks hold `records` and `claims`. */
export function stateOf(
  key: ServiceKey,
  records: readonly StatusRecord[],
  claims: readonly Claim[] = [],
): ServiceFixture {
  return fixtureOf(key, records, claims);
}

/**
 * Writes a service's stacks as new items (version 0 → 1) and derives its windows as the sweeper
 * does at `now` (their events are claimed, not published); fails if a stack exists already.
 */
export async function saveNew(
  store: WatchdogStore,
  fixture: ServiceFixture,
  now: number,
  config: WatchdogConfig = DEFAULT_CONFIG,
): Promise<StackState[]> {
  const saved: StackState[] = [];
  for (const stack of fixture.stacks) {
    const stored = await store.saveStack(stack, now);
    if (!stored) throw new Error(`stack ${stack.stackName} of service ${fixture.key.service} exists already`);
    saved.push(stored);
  }
  await walkWindows(quietDeps(store, config, now), fixture.key, now);
  return saved;
}

/** The status records every stack of a service holds, in storage order. */
export async function recordsIn(store: WatchdogStore, key: ServiceKey): Promise<StatusRecord[]> {
  return (await store.loadService(key)).stacks.flatMap((stack) => stack.records).sort(storageOrder);
}

/** The claims every stack of a service holds. */
export async function claimsIn(store: WatchdogStore, key: ServiceKey): Promise<Claim[]> {
  return (await store.loadService(key)).stacks.flatMap((stack) => stack.claims);
}

/** The services the sweep index lists. */
export async function toSweep(store: WatchdogStore): Promise<ServiceKey[]> {
  return (await store.servicesToSweep()).map((target) => target.key);
}

/**
 * What a service shows as of `now`: its stacks' operations, and its windows as the store and a
 * walk from its walk point give them (nothing is written).
 */
export async function serviceViewIn(
  store: WatchdogStore,
  key: ServiceKey,
  now: number,
  config: WatchdogConfig = DEFAULT_CONFIG,
) {
  const { stacks } = await store.loadService(key);
  const windows = await windowsAsOf(quietDeps(store, config, now), key, now);
  return { operations: viewOperations(stacks, now, config), windows, stacks };
}
