/**
 * `cfn-watchdog replay` of a generated day, as the CLI runs it minus printing: the JSON Lines
 * text read by `readReplayInput`, then `replay()` (its own embedded dynalite, sweeps at every
 * whole minute in virtual time, the read-out of operations and windows). A day a tenth the size
 * tells whether the time grows with the input faster than linearly.
 */
import { replay } from '../cli/replay.ts';
import { readReplayInput } from '../cli/replay-input.ts';
import { silentLog } from '../shared/app/log.ts';
import { benchConfig, progress, timed } from './harness.ts';
import { generateOrgDay } from './org.ts';

export interface ReplayRun {
  readonly stacks: number;
  readonly events: number;
  readonly ms: number;
  readonly eventsPerSecond: number;
  readonly notifications: number;
  readonly windows: number;
  readonly operations: number;
}

export interface ReplayFigures {
  readonly full: ReplayRun;
  readonly tenth: ReplayRun;
  /** time(full) / time(tenth): at most 12 for 10× the events. */
  readonly timeRatio: number;
  /** That ratio divided by the ratio of the events (≈ 10): 1 is linear; the target is ≤ 1.2. */
  readonly growthRatio: number;
}

async function replayDay(stackCount: number, minEvents: number): Promise<ReplayRun> {
  const day = generateOrgDay({ stackCount, minEvents, seed: 7 });
  const text = day.raw.map((event) => JSON.stringify(event)).join('\n');
  const { result, ms } = await timed(async () => {
    const input = readReplayInput(text);
    if (input.rejected.length > 0) throw new Error(`bench: replay rejected ${input.rejected.length} generated events: ${input.rejected[0]?.error}`);
    return replay(input.deliveries, input.rejected, { config: benchConfig(day.serviceRules), log: silentLog });
  });
  return {
    stacks: stackCount,
    events: day.raw.length,
    ms,
    eventsPerSecond: (day.raw.length / ms) * 1000,
    notifications: result.notifications.length,
    windows: result.windows.length,
    operations: result.operations.length,
  };
}

export async function benchReplay({ stacks, events }: { stacks: number; events: number }): Promise<ReplayFigures> {
  const tenth = await replayDay(Math.round(stacks / 10), Math.round(events / 10));
  progress(`replay: ${tenth.events} events of ${tenth.stacks} stacks in ${(tenth.ms / 1000).toFixed(1)} s`);
  const full = await replayDay(stacks, events);
  progress(`replay: ${full.events} events of ${full.stacks} stacks in ${(full.ms / 1000).toFixed(1)} s`);
  const timeRatio = full.ms / tenth.ms;
  return { full, tenth, timeRatio, growthRatio: timeRatio / (full.events / tenth.events) };
}
