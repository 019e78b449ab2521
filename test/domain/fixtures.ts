/**
 * Small builders for the domain tests: stacks and status records on one day (2021-09-21, the
 * seed's day), times written `hh:mm` or `hh:mm:ss` UTC.
 */
import type { StatusRecord } from '../../shared/domain/operations.ts';
import { stackArn } from '../support/events.ts';

export const DAY = '2021-09-21';
export const MIN = 60_000;

/** `t('19:09')` / `t('19:09:30')`: that time on {@link DAY}, UTC, as epoch ms. */
export function t(hms: string): number {
  const text = hms.length === 5 ? `${hms}:00` : hms;
  const ms = Date.parse(`${DAY}T${text}Z`);
  if (Number.isNaN(ms)) throw new Error(`bad test time ${hms}`);
  return ms;
}

export interface TestStack {
  readonly stackId: string;
  readonly stackName: string;
}

/** A stack with a real-looking ARN; a different `uuid` is a different stack of the same name. */
export function stack(name: string, uuid = '5b1c7a40-9f0e-11ef-8c2a-0a1b2c3d4e5f'): TestStack {
  return { stackId: stackArn({ name, uuid }), stackName: name };
}

/** One stack status event as the rules keep it. */
export function rec(on: TestStack, hms: string, status: string, statusReason = ''): StatusRecord {
  return { stackId: on.stackId, stackName: on.stackName, time: t(hms), status, statusReason };
}
