/**
 * Service states built by hand, for tests of the store that need items in a given shape.
 */
import { DEFAULT_CONFIG, type WatchdogConfig } from '../../shared/domain/config.ts';
import { canonicalRecords, type StatusRecord } from '../../shared/domain/operations.ts';
import type { ServiceKey } from '../../shared/domain/service.ts';
import { emptyServiceState, viewService, type Claim, type ServiceState } from '../../shared/domain/service-state.ts';
import type { WatchdogStore } from '../../shared/app/ports.ts';
import { stackArn } from './events.ts';

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

export function stateOf(key: ServiceKey, records: readonly StatusRecord[], claims: readonly Claim[] = []): ServiceState {
  return { ...emptyServiceState(key), records: canonicalRecords(records), claims };
}

/** Writes a new service item (version 0 → 1) with its view as of `now`; fails if it exists. */
export async function saveNew(
  store: WatchdogStore,
  state: ServiceState,
  now: number,
  config: WatchdogConfig = DEFAULT_CONFIG,
): Promise<ServiceState> {
  const saved = await store.saveService(state, viewService(state, now, config), now);
  if (!saved) throw new Error(`service ${state.key.service} exists already`);
  return saved;
}
