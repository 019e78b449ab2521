/**
 * `tsx bench/profile.ts [--workload events|replay] [--events N] [--stacks N] [--interval µs] [--out FILE]`: where the
 * CPU goes
 * in one of the bench's workloads, sampled with V8's profiler from inside this process (only the
 * workload, not the start-up), summed by package and by function of this repo, and written as a
 * .cpuprofile that Chrome DevTools or speedscope open. Everything runs on one thread (dynalite
 * included), so the profile covers the store's server side too.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { Session, type Profiler } from 'node:inspector/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../scripts/build.ts';
import { benchEvents } from './events.ts';
import { benchConfig, meteredDb, progress, round } from './harness.ts';
import { generateOrgDay } from './org.ts';
import { replay } from '../cli/replay.ts';
import { readReplayInput } from '../cli/replay-input.ts';
import { silentLog } from '../shared/app/log.ts';

/** dynalite and every package it pulls in: the embedded DynamoDB's server side. */
function dynaliteClosure(): Set<string> {
  const seen = new Set<string>();
  const queue = ['dynalite'];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (seen.has(name)) continue;
    seen.add(name);
    try {
      const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      queue.push(...Object.keys(manifest.dependencies ?? {}));
    } catch {
      // A dependency nested deeper than node_modules/<name>: counted under its own name.
    }
  }
  return seen;
}

const DYNALITE = dynaliteClosure();

/** Which part of the system a frame belongs to. */
function categoryOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) {
    if (DYNALITE.has(pkg)) return 'dynalite (server side, LevelDB in memory)';
    if (pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') || pkg.startsWith('@aws-crypto/'))
      return 'AWS SDK client (marshalling, middleware, HTTP)';
    return `package ${pkg}`;
  }
  if (url.startsWith('node:')) return 'node internals (http, net, streams, timers)';
  const inRepo =
    url.indexOf('/work/') >= 0 || url.startsWith('file://')
      ? url.replace(/^file:\/\//, '').replace(`${REPO_ROOT}/`, '')
      : url;
  return `app ${inRepo}`;
}

interface Summary {
  readonly totalMs: number;
  readonly byCategory: [string, number][];
  /** The heaviest functions anywhere (self time), with their category. */
  readonly topSelf: [string, number][];
  readonly appSelf: [string, number][];
  readonly appInclusive: [string, number][];
}

function summarise(profile: Profiler.Profile): Summary {
  const samples = profile.samples?.length ?? 0;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const msPerHit = samples > 0 ? totalMs / samples : 0;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byCategory = new Map<string, number>();
  const appSelf = new Map<string, number>();
  const topSelf = new Map<string, number>();
  // tsx's transform leaves no useful line numbers: a function is named by its name and file.
  const label = (node: Profiler.ProfileNode): string =>
    `${node.callFrame.functionName || '(anonymous)'} ` +
    `${categoryOf(node.callFrame.url, node.callFrame.functionName).replace(/^app /, '')}`;
  for (const node of profile.nodes) {
    const ms = (node.hitCount ?? 0) * msPerHit;
    const category = categoryOf(node.callFrame.url, node.callFrame.functionName);
    byCategory.set(category, (byCategory.get(category) ?? 0) + ms);
    const file = /node_modules\/(.+)$/.exec(node.callFrame.url)?.[1] ?? node.callFrame.url.replace(/^.*\//, '');
    const anywhere = `${node.callFrame.functionName || '(anonymous)'} ${file ? `${file} ` : ''}[${category}]`;
    topSelf.set(anywhere, (topSelf.get(anywhere) ?? 0) + ms);
    if (category.startsWith('app ')) appSelf.set(label(node), (appSelf.get(label(node)) ?? 0) + ms);
  }
  // Inclusive time of this repo's functions: each sample counted once per function on its stack.
  const appInclusive = new Map<string, number>();
  const onStack = new Map<string, number>();
  const visit = (id: number): number => {
    const node = byId.get(id);
    if (!node) return 0;
    const isApp = categoryOf(node.callFrame.url, node.callFrame.functionName).startsWith('app ');
    const key = label(node);
    if (isApp) onStack.set(key, (onStack.get(key) ?? 0) + 1);
    let ms = (node.hitCount ?? 0) * msPerHit;
    for (const child of node.children ?? []) ms += visit(child);
    if (isApp) {
      const depth = (onStack.get(key) ?? 1) - 1;
      onStack.set(key, depth);
      if (depth === 0) appInclusive.set(key, (appInclusive.get(key) ?? 0) + ms);
    }
    return ms;
  };
  const root = profile.nodes[0];
  if (root) visit(root.id);
  const sorted = (map: Map<string, number>, count: number): [string, number][] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([key, ms]) => [key, round(ms, 0)]);
  return {
    totalMs: round(totalMs, 0),
    byCategory: sorted(byCategory, 20),
    topSelf: sorted(topSelf, 30),
    appSelf: sorted(appSelf, 30),
    appInclusive: sorted(appInclusive, 30),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workload: { type: 'string', default: 'events' },
      events: { type: 'string', default: '10000' },
      stacks: { type: 'string', default: '1000' },
      out: { type: 'string' },
      interval: { type: 'string', default: '1000' },
    },
  });
  const events = Number(values.events);
  const stacks = Number(values.stacks);
  const out = values.out ?? join(tmpdir(), `cfn-watchdog-${values.workload}.cpuprofile`);

  let work: () => Promise<unknown>;
  if (values.workload === 'events') {
    const day = generateOrgDay({ stackCount: stacks, minEvents: events });
    const db = await meteredDb();
    work = async () => {
      try {
        const figures = await benchEvents(db, day, { concurrency: 4, rawWrites: 0 });
        const { eventTally, sweeps } = figures;
        return {
          eventsPerSecond: round(figures.eventsPerSecond, 1),
          eventsMs: round(figures.eventsMs, 0),
          sweepsMs: round(sweeps.ms, 0),
          eventRequests: eventTally.byCommand,
          sweepRequests: sweeps.tally.byCommand,
          sweepRedundantStateWrites: sweeps.tally.redundantStateWrites,
        };
      } finally {
        await db.close();
      }
    };
  } else if (values.workload === 'replay') {
    // In this process (the bench's replay figure runs the command in a child of its own).
    work = async () => {
      const day = generateOrgDay({ stackCount: stacks, minEvents: events, seed: 7 });
      const input = readReplayInput(day.raw.map((event) => JSON.stringify(event)).join('\n'));
      const result = await replay(input.deliveries, input.rejected, {
        config: benchConfig(day.serviceRules),
        log: silentLog,
      });
      return { events: day.raw.length, notifications: result.notifications.length, windows: result.windows.length };
    };
  } else {
    throw new Error(`--workload: expected events or replay, got '${values.workload}'`);
  }

  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // Microseconds between samples: finer costs the workload more.
  await session.post('Profiler.setSamplingInterval', { interval: Number(values.interval) });
  progress(`profiling the ${values.workload} workload (${events} events of ${stacks} stacks)`);
  await session.post('Profiler.start');
  const outcome = await work();
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  writeFileSync(out, JSON.stringify(profile));
  const summary = summarise(profile);
  process.stdout.write(
    `${JSON.stringify({ workload: values.workload, outcome, profile: out, ...summary }, null, 2)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`profile failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
