/**
 * The replay is the proof vehicle for the rules: the same input and flags must give the same
 * JSON, byte for byte, whatever the machine's load. Nothing on the virtual-time path may read the
 * wall clock, wait for a real timeout or retry on a real delay.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { replay, type ReplayOptions } from '../../cli/replay.ts';
import { readReplayInput } from '../../cli/replay-input.ts';
import { replayJson } from '../../cli/replay-output.ts';
import type { WatchdogStore } from '../../shared/app/ports.ts';
import { silentLog } from '../../shared/app/log.ts';
import { configFromText } from '../../shared/domain/config.ts';
import { deliveredAt, lostEvent, SEED, SEED_RULE } from './harness.ts';

/** A deterministic shuffle (a linear congruential generator), so that the input is the same on every run. */
function scrambled<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = seed;
  for (let i = result.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

/**
 * The seed incident scrambled: every event delivered up to 17 minutes late in shuffled order,
 * every fifth delivered twice, core-prod's DELETE_COMPLETE lost.
 */
function scrambledSeed(): string {
  const events = readFileSync(SEED, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { time: string; detail: { 'status-details': { status: string } } });
  const elements = events.flatMap((event, index): unknown[] => {
    if (index === 57) return [lostEvent(event)];
    const late = new Date(Date.parse(event.time) + ((index * 7919) % 17) * 60_000).toISOString().replace('.000Z', 'Z');
    return index % 5 === 0 ? [deliveredAt(late, event), event] : [deliveredAt(late, event)];
  });
  return scrambled(elements, 20_210_921)
    .map((element) => JSON.stringify(element))
    .join('\n');
}

/** Every call to the store waits 0–4 ms of real time first, at random. */
function slowed(store: WatchdogStore): WatchdogStore {
  return Object.fromEntries(
    Object.entries(store).map(([name, call]) => [
      name,
      async (...args: unknown[]) => {
        await delay(Math.floor(Math.random() * 5));
        return (call as (...inner: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  ) as unknown as WatchdogStore;
}

async function replayedJson(text: string, extra: Partial<ReplayOptions>): Promise<string> {
  const { deliveries, rejected, lost } = readReplayInput(text);
  const options: ReplayOptions = {
    config: configFromText({ serviceRules: [SEED_RULE] }),
    until: Date.parse('2021-09-21T20:40:00Z'),
    log: silentLog,
    simulateCloudFormation: true,
    lost,
    ...extra,
  };
  return JSON.stringify(replayJson(await replay(deliveries, rejected, options)), null, 2);
}

describe('replay determinism', () => {
  it('gives byte-identical JSON for a scrambled, duplicated history, also on a store slowed down at ' +
    'random', async () => {
    // Prepare
    const input = scrambledSeed();

    // Act
    const plain = await replayedJson(input, {});
    const slow = await replayedJson(input, { decorateStore: slowed });

    // Assess
    expect(slow).toBe(plain);
    const parsed = JSON.parse(plain) as {
      notifications: { severity: string; at: string }[];
      windows: { start: string; end: string | null }[];
    };
    expect(parsed.windows.map((window) => [window.start, window.end])).toEqual([
      ['2021-09-21T19:09:00Z', '2021-09-21T20:07:00Z'],
    ]);
    expect(parsed.notifications.length).toBeGreaterThan(0);
  }, 120_000);
});
