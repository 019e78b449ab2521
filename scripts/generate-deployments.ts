/**
 * Writes events/backtest/orders-30-days.jsonl: thirty days of a service's deployments, generated
 * (a fixed seed: the same file every time), for the README's worked example of adaptive thresholds
 * and `cfn-watchdog backtest`. Three stacks whose updates usually take about 4, 6 and 17 minutes,
 * and four that go wrong: an update of the API stuck 75 minutes in cleanup, a worker update that
 * rolls back after 25 minutes, the database stack's update stuck 70 minutes, an API update that
 * fails at once.
 *
 *   npx tsx scripts/generate-deployments.ts
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const ACCOUNT = '123456789012';
const REGION = 'eu-central-1';
const FIRST_DAY = Date.parse('2026-10-01T00:00:00Z');
const DAY_MS = 24 * 3_600_000;
const MINUTE_MS = 60_000;

/** A small deterministic generator (mulberry32): the file must not change between runs. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Stack {
  readonly name: string;
  readonly uuid: string;
  /** Usual update length, minutes, and its spread. */
  readonly minutes: number;
  readonly spread: number;
}

const STACKS: readonly Stack[] = [
  { name: 'orders-api-prod', uuid: '0a1b2c3d-1111-11ef-8c2a-0a1b2c3d4e5f', minutes: 4, spread: 1.5 },
  { name: 'orders-worker-prod', uuid: '0a1b2c3d-2222-11ef-8c2a-0a1b2c3d4e5f', minutes: 6, spread: 1.5 },
  { name: 'orders-db-prod', uuid: '0a1b2c3d-3333-11ef-8c2a-0a1b2c3d4e5f', minutes: 17, spread: 1 },
];

/** What goes wrong, by stack and day: the statuses after UPDATE_IN_PROGRESS, minutes after its start. */
const TROUBLE: Readonly<Record<string, readonly (readonly [number, string, string?])[]>> = {
  'orders-api-prod@6': [
    [3, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'],
    [75, 'UPDATE_COMPLETE'],
  ],
  'orders-worker-prod@13': [
    [25, 'UPDATE_ROLLBACK_IN_PROGRESS', 'Resource handler returned message: "Service did not stabilize"'],
    [32, 'UPDATE_ROLLBACK_COMPLETE'],
  ],
  'orders-db-prod@20': [
    [16, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'],
    [70, 'UPDATE_COMPLETE'],
  ],
  'orders-api-prod@24': [
    [2, 'UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to update: [ApiFunction].'],
    [4, 'UPDATE_ROLLBACK_COMPLETE'],
  ],
};

function event(stack: Stack, at: number, status: string, reason: string, id: string): string {
  const arn = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${stack.name}/${stack.uuid}`;
  return JSON.stringify({
    version: '0',
    id,
    'detail-type': 'CloudFormation Stack Status Change',
    source: 'aws.cloudformation',
    account: ACCOUNT,
    time: new Date(at).toISOString().replace('.000Z', 'Z'),
    region: REGION,
    resources: [arn],
    detail: { 'stack-id': arn, 'status-details': { status, 'status-reason': reason } },
  });
}

const next = random(20261001);
const lines: { at: number; line: string }[] = [];
let serial = 0;
const id = () => `00000000-0000-4000-8000-${String(++serial).padStart(12, '0')}`;
for (let day = 0; day < 30; day += 1) {
  for (const stack of STACKS) {
    // One or two updates on a working day, at most one at the weekend, between 08:00 and 17:00.
    const weekend = new Date(FIRST_DAY + day * DAY_MS).getUTCDay() % 6 === 0;
    const count = weekend ? Math.floor(next() * 1.4) : 1 + Math.floor(next() * 2);
    for (let n = 0; n < count; n += 1) {
      const start =
        FIRST_DAY +
        day * DAY_MS +
        (8 + n * 4 + Math.floor(next() * 4)) * 3_600_000 +
        Math.floor(next() * 60) * MINUTE_MS;
      lines.push({ at: start, line: event(stack, start, 'UPDATE_IN_PROGRESS', 'User Initiated', id()) });
      const trouble = n === 0 ? TROUBLE[`${stack.name}@${day}`] : undefined;
      const steps = trouble ?? [
        [Math.max(1, Math.round(stack.minutes + (next() * 2 - 1) * stack.spread)), 'UPDATE_COMPLETE'],
      ];
      for (const [minutes, status, reason] of steps) {
        const at = start + minutes * MINUTE_MS + Math.floor(next() * 50) * 1000;
        lines.push({ at, line: event(stack, at, status, reason ?? '', id()) });
      }
    }
  }
}
lines.sort((a, b) => a.at - b.at);
const out = path.join(import.meta.dirname, '..', 'events', 'backtest', 'orders-30-days.jsonl');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${lines.map(({ line }) => line).join('\n')}\n`);
process.stdout.write(`${out}: ${lines.length} events\n`);
