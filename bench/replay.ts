/**
 * `cfn-watchdog replay` of a generated organisation's day, as a user runs it: the JSON Lines file
 * read by the command itself, in a process of its own (bench/replay-child.ts) so that its peak
 * memory is measured alone. A day a tenth the size, run alternately with the full one, tells
 * whether time grows faster than the input.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median, progress } from './harness.ts';
import { generateOrgDay } from './org.ts';

export interface ReplayRun {
  readonly events: number;
  readonly ms: number;
  readonly eventsPerSecond: number;
  readonly maxRssMB: number;
}

export interface ReplayFigures {
  readonly full: ReplayRun;
  readonly tenth: ReplayRun;
  /** time(full) / time(tenth): at most 12 for 10× the events. */
  readonly timeRatio: number;
  /** That ratio divided by the ratio of the events (≈ 10): 1 is linear; the target is ≤ 1.2. */
  readonly growthRatio: number;
  readonly runs: number;
}

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./replay-child.ts', import.meta.url));

interface Day {
  readonly file: string;
  readonly events: number;
  readonly args: readonly string[];
}

function writeDay(folder: string, events: number): Day {
  // 20 events per stack a day, as the organisation deploys.
  const day = generateOrgDay({ stackCount: Math.max(10, Math.round(events / 20)), minEvents: events, seed: 7 });
  const file = path.join(folder, `day-${events}.jsonl`);
  writeFileSync(file, `${day.raw.map((event) => JSON.stringify(event)).join('\n')}\n`);
  return { file, events: day.raw.length, args: day.serviceRuleSpecs.flatMap((spec) => ['--service-rule', spec]) };
}

async function replayOnce(day: Day): Promise<ReplayRun> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', CHILD, day.file, ...day.args, '--format', 'json'],
    { maxBuffer: 1 << 20 },
  );
  const result = JSON.parse(stdout) as { status: number; ms: number; maxRssMB: number };
  if (result.status !== 0) throw new Error(`bench: replay of ${day.file} exited with ${result.status}`);
  return {
    events: day.events,
    ms: result.ms,
    eventsPerSecond: (day.events / result.ms) * 1000,
    maxRssMB: result.maxRssMB,
  };
}

/** The median run by time, with the largest peak memory of all runs. */
function summary(runs: readonly ReplayRun[]): ReplayRun {
  const ms = median(runs.map((one) => one.ms));
  const events = runs[0]?.events ?? 0;
  return { events, ms, eventsPerSecond: (events / ms) * 1000, maxRssMB: Math.max(...runs.map((one) => one.maxRssMB)) };
}

export async function benchReplay({ events, runs }: { events: number; runs: number }): Promise<ReplayFigures> {
  const folder = mkdtempSync(path.join(tmpdir(), 'cfn-watchdog-bench-replay-'));
  try {
    const full = writeDay(folder, events);
    const tenth = writeDay(folder, Math.round(events / 10));
    const fulls: ReplayRun[] = [];
    const tenths: ReplayRun[] = [];
    for (let round = 0; round < runs; round++) {
      tenths.push(await replayOnce(tenth));
      fulls.push(await replayOnce(full));
      const last = fulls.at(-1) as ReplayRun;
      progress(
        `replay: ${last.events} events in ${(last.ms / 1000).toFixed(1)} s (${Math.round(last.eventsPerSecond)}/s, ` +
          `peak ${Math.round(last.maxRssMB)} MB); a tenth in ${((tenths.at(-1) as ReplayRun).ms / 1000).toFixed(1)} s`,
      );
    }
    const fullRun = summary(fulls);
    const tenthRun = summary(tenths);
    const timeRatio = fullRun.ms / tenthRun.ms;
    return {
      full: fullRun,
      tenth: tenthRun,
      timeRatio,
      growthRatio: timeRatio / (fullRun.events / tenthRun.events),
      runs,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
