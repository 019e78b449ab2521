/**
 * The replay contract's own examples (/work/shared/contracts/examples), and the real `bin`
 * run as a child process.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { EXAMPLES, parseOutput, ROOT, runCli, SEED, SEED_RULE, shellWords } from './harness.ts';

interface ContractExample {
  readonly command: string;
  readonly output: Record<string, unknown>;
}

const examples = readdirSync(EXAMPLES)
  .filter((name) => name.endsWith('.expected.json'))
  .sort();

/**
 * The example's command as `main`'s argv: words after `cfn-watchdog`, the events file resolved from the examples
 * folder.
 */
function argvOf(command: string): string[] {
  const words = shellWords(command);
  expect(words[0]).toBe('cfn-watchdog');
  return words
    .slice(1)
    .map((word) =>
      /\.(jsonl|json)$/.test(word) && existsSync(path.join(EXAMPLES, word)) ? path.join(EXAMPLES, word) : word,
    );
}

describe('contract examples', () => {
  test('there are examples to check', () => {
    expect(examples.length).toBeGreaterThanOrEqual(3);
  });

  test('the command parser keeps a quoted --thresholds as one word', () => {
    expect(
      shellWords(`cfn-watchdog replay x.jsonl --thresholds 'DELETE=15m/30m,*=20m/40m' --until 2025-09-30T05:00:00Z`),
    ).toEqual([
      'cfn-watchdog',
      'replay',
      'x.jsonl',
      '--thresholds',
      'DELETE=15m/30m,*=20m/40m',
      '--until',
      '2025-09-30T05:00:00Z',
    ]);
  });

  test.each(examples)('%s: every field of the expected output matches', async (name) => {
    const example = JSON.parse(readFileSync(path.join(EXAMPLES, name), 'utf8')) as ContractExample;
    const argv = argvOf(example.command);
    expect(argv).toContain(path.join(EXAMPLES, name.replace(/\.expected\.json$/, '.jsonl')));

    const run = await runCli(argv);
    const expectedRejected = example.output.rejected;
    const expectedStatus = Array.isArray(expectedRejected) && expectedRejected.length > 0 ? 1 : 0;
    expect(run.status, run.stderr).toBe(expectedStatus);
    const output = parseOutput(run.stdout);

    // toMatchObject: objects may carry more fields, arrays must have the same length and order.
    for (const [key, value] of Object.entries(example.output)) {
      expect(output, `output.${key}`).toHaveProperty(key);
      expect((output as unknown as Record<string, unknown>)[key], `output.${key}`).toMatchObject(value as object);
    }
  });
});

describe('the installed command (child process)', () => {
  test(
    'node cli/bin.js replay … --format json runs without a build step and writes only the JSON on ' + 'stdout',
    async () => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['cli/bin.js', 'replay', SEED, '--service-rule', SEED_RULE, '--format', 'json'],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
      );
      // JSON.parse throws on anything but one JSON value (surrounding whitespace allowed).
      const output = parseOutput(stdout);
      expect(stdout.trimStart().startsWith('{')).toBe(true);
      expect(output.notifications.map((n) => `${n.at} ${n.severity} ${n.stackName}`)).toEqual([
        '2021-09-21T19:29:00Z WARNING trustsource-core-prod',
        '2021-09-21T19:35:32Z FAILED trustsource-scan-prod',
        '2021-09-21T19:49:00Z CRITICAL trustsource-core-prod',
        '2021-09-21T19:56:30Z RESOLVED trustsource-core-prod',
      ]);
      expect(output.windows).toEqual([
        {
          account: '123456789012',
          region: 'eu-central-1',
          service: 'trustsource-core',
          start: '2021-09-21T19:09:00Z',
          end: '2021-09-21T20:07:00Z',
          peakSeverity: 'FAILED',
          stacks: ['trustsource-core-prod', 'trustsource-scan-prod', 'trustsource-scan-v2-prod'],
        },
      ]);

      // The same result as the in-process run.
      const inProcess = await runCli(['replay', SEED, '--service-rule', SEED_RULE, '--format', 'json']);
      expect(inProcess.status).toBe(0);
      expect(output).toEqual(parseOutput(inProcess.stdout));
    },
  );
});
