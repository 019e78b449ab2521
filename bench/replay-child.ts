/**
 * One `cfn-watchdog replay FILE ARGS…` in a process of its own, so that its peak memory is its
 * own: prints `{ status, ms, maxRssMB }` as JSON on stdout (the replay's own output is counted,
 * not kept). The time runs from the command's start (reading the file included) to its end.
 */
import { performance } from 'node:perf_hooks';
import { main } from '../cli/main.ts';

const [file, ...args] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: replay-child.ts FILE [replay options]');
let outputBytes = 0;
const started = performance.now();
const status = await main(['replay', file, ...args], {
  stdout: (text) => void (outputBytes += text.length),
  stderr: () => undefined,
  isTty: false,
});
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ status, ms, maxRssMB: process.resourceUsage().maxRSS / 1024, outputBytes })}\n`,
);
