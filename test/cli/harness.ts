/**
 * Shared helpers for the `cfn-watchdog replay` tests: run the CLI in-process with captured
 * output, validate every JSON output against the contract schema, write event files.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { main, type Io } from '../../cli/main.ts';
import { stackArn, type StackSpec } from '../support/events.ts';
import { REPO_ROOT, sharedPath } from '../support/shared-files.ts';

export const ROOT = REPO_ROOT;
export const CONTRACTS = sharedPath('contracts');
export const EXAMPLES = path.join(CONTRACTS, 'examples');
export const FIXTURES = path.join(ROOT, 'test/fixtures/replay');
export const SEED = path.join(ROOT, 'events/incidents/trustsource-2021-09-21.jsonl');
export const SEED_RULE = 'trustsource-core=^trustsource-(core|scan)-';

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `cfn-watchdog ARGV` in-process, capturing stdout and stderr (not a terminal); `now` fixes the read commands'
 * clock.
 */
export async function runCli(argv: readonly string[], now?: string): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    isTty: false,
    ...(now === undefined ? {} : { clock: () => Date.parse(now) }),
  };
  const status = await main(argv, io);
  return { status, stdout, stderr };
}

/**
 * Runs `node cli/bin.js ARGV` as a child process, as a second command started beside the tests
 * is run: what only another process can show (LevelDB's lock is per process).
 */
export function runBin(argv: readonly string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['cli/bin.js', ...argv], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

// ---- the contract's output, as the tests read it -------------------------------------------

export interface ResourceOut {
  readonly logicalResourceId: string;
  readonly physicalResourceId?: string;
  readonly resourceType: string;
  readonly status: string;
  readonly since?: string;
}

export interface NotificationOut {
  readonly at: string;
  readonly severity: 'WARNING' | 'CRITICAL' | 'FAILED' | 'RESOLVED';
  readonly stackName: string;
  readonly stackId: string;
  readonly account: string;
  readonly region: string;
  readonly service: string;
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'IMPORT';
  readonly status: string;
  readonly statusReason?: string;
  readonly startedAt: string;
  readonly elapsedSeconds: number;
  readonly threshold?: { readonly rule: 'adaptive'; readonly p95Seconds: number; readonly explanation: string };
  readonly resourcesInProgress?: readonly ResourceOut[];
}

export interface OperationOut {
  readonly stackName: string;
  readonly stackId: string;
  readonly account: string;
  readonly region: string;
  readonly service: string;
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'IMPORT';
  readonly start: string;
  readonly end: string | null;
  readonly finalStatus: string | null;
  readonly peakSeverity: 'WARNING' | 'CRITICAL' | 'FAILED' | 'RESOLVED' | null;
}

export interface WindowOut {
  readonly account: string;
  readonly region: string;
  readonly service: string;
  readonly start: string;
  readonly end: string | null;
  readonly peakSeverity: 'WARNING' | 'CRITICAL' | 'FAILED';
  readonly stacks: readonly string[];
}

export interface RejectedOut {
  readonly index: number;
  readonly id?: string;
  readonly error: string;
}

export interface WindowEventOut {
  readonly at: string;
  readonly type: 'Impact Window Opened' | 'Impact Window Closed';
  readonly windowId: string;
  readonly revision: number;
  readonly service: string;
  readonly account: string;
  readonly region: string;
  readonly start: string;
  readonly end?: string | null;
  readonly peakSeverity?: 'WARNING' | 'CRITICAL' | 'FAILED';
  readonly stacks?: readonly string[];
  readonly withdrawn?: boolean;
}

export interface ReplayOutput {
  readonly notifications: readonly NotificationOut[];
  readonly operations: readonly OperationOut[];
  readonly windows: readonly WindowOut[];
  readonly rejected?: readonly RejectedOut[];
  readonly windowEvents?: readonly WindowEventOut[];
  readonly escalationEvents?: readonly EscalationEventOut[];
}

export interface EscalationEventOut {
  readonly at: string;
  readonly type: string;
  readonly detail: { readonly severity: string; readonly dedupKey: string } & Record<string, unknown>;
}

// ---- schema validation ------------------------------------------------------------------------

// ajv is CommonJS: under NodeNext the default import is `module.exports`, whose `default` is the class.
const AjvClass = Ajv.default;
const ajv = new AjvClass({ allErrors: true });
const schema: unknown = JSON.parse(readFileSync(path.join(CONTRACTS, 'replay-output.schema.json'), 'utf8'));
const validateSchema = ajv.compile(schema as object);
const readJson = (file: string): object => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as object;
const validatePublished = ajv.compile(readJson('docs/replay-output.schema.json'));
const ajv2020 = new Ajv2020.default({ allErrors: true });
const validateEscalation = ajv2020.compile(readJson('docs/escalation-event.schema.json'));

/**
 * Asserts that VALUE is valid against contracts/replay-output.schema.json (draft-07), against the
 * schema docs/ publishes, and that each of its `escalationEvents` is an event
 * docs/escalation-event.schema.json describes.
 */
export function expectValidOutput(value: unknown): asserts value is ReplayOutput {
  const valid = validateSchema(value);
  expect(validateSchema.errors ?? [], ajv.errorsText(validateSchema.errors)).toEqual([]);
  expect(valid).toBe(true);
  expect(validatePublished(value), ajv.errorsText(validatePublished.errors)).toBe(true);
  for (const { type, detail } of (value as ReplayOutput).escalationEvents ?? []) {
    const event = { source: 'cfn-watchdog', 'detail-type': type, detail };
    expect(validateEscalation(event), ajv2020.errorsText(validateEscalation.errors)).toBe(true);
  }
}

/** Parses stdout as the whole of the JSON output and validates it against the schema. */
export function parseOutput(stdout: string): ReplayOutput {
  const parsed: unknown = JSON.parse(stdout);
  expectValidOutput(parsed);
  return parsed;
}

/**
 * `cfn-watchdog replay FILE ARGS… --format json`, in-process; checks the exit status and the
 * schema, and returns the parsed output.
 */
export async function replayJson(
  file: string,
  args: readonly string[] = [],
  expectedStatus = 0,
): Promise<ReplayOutput> {
  const run = await runCli(['replay', file, ...args, '--format', 'json']);
  expect(run.status, run.stderr).toBe(expectedStatus);
  return parseOutput(run.stdout);
}

// ---- input files --------------------------------------------------------------------------------

let scratch: string | undefined;

/** Writes ELEMENTS as JSON Lines (or a JSON array) to a fresh file in a temporary folder. */
export function writeEvents(name: string, elements: readonly unknown[], form: 'jsonl' | 'array' = 'jsonl'): string {
  scratch ??= mkdtempSync(path.join(tmpdir(), 'cfn-watchdog-cli-test-'));
  const file = path.join(scratch, `${name}.${form === 'jsonl' ? 'jsonl' : 'json'}`);
  const text =
    form === 'jsonl'
      ? `${elements.map((element) => JSON.stringify(element)).join('\n')}\n`
      : JSON.stringify(elements, null, 2);
  writeFileSync(file, text);
  return file;
}

/**
 * A new empty folder in the temporary folder of {@link writeEvents}, for one test's stores and files, so that what a
 * command leaves there shows.
 */
export function freshFolder(name: string): string {
  scratch ??= mkdtempSync(path.join(tmpdir(), 'cfn-watchdog-cli-test-'));
  return mkdtempSync(path.join(scratch, `${name.replace(/[^\w-]+/g, '-')}-`));
}

/** Removes the temporary folder of {@link writeEvents} and {@link freshFolder} (call from `afterAll`). */
export function removeWrittenEvents(): void {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

/** `{"lost": true, "event": …}`: EVENT emitted by CloudFormation and never delivered. */
export function lostEvent(event: unknown): { lost: true; event: unknown } {
  return { lost: true, event };
}

/** `{"deliverAt": …, "event": …}`: EVENT delivered late, at DELIVER_AT. */
export function deliveredAt(deliverAt: string, event: unknown): { deliverAt: string; event: unknown } {
  return { deliverAt, event };
}

/** The identifying fields that notifications and operations carry for one stack. */
export function ids(stack: StackSpec, service: string = stack.name) {
  return {
    stackName: stack.name,
    stackId: stackArn(stack),
    account: stack.account ?? '123456789012',
    region: stack.region ?? 'eu-west-1',
    service,
  };
}

/** The identifying fields of a window of STACK's service. */
export function windowKey(stack: StackSpec, service: string = stack.name) {
  return { account: stack.account ?? '123456789012', region: stack.region ?? 'eu-west-1', service };
}

/**
 * Splits a command line as a POSIX shell would for the simple cases in the contract examples:
 * whitespace-separated words, with '…' and "…" quoting.
 */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (const char of command) {
    if (quote !== null) {
      if (char === quote) quote = null;
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote !== null) throw new Error(`unterminated quote in: ${command}`);
  if (inWord) words.push(word);
  return words;
}

/** Asserts that TEXT is exactly one non-empty line (with or without its newline). */
export function expectOneLine(text: string): void {
  expect(text.trim(), 'expected a message on stderr').not.toBe('');
  expect(text.replace(/\n$/, ''), `expected one line, got: ${JSON.stringify(text)}`).not.toContain('\n');
}
