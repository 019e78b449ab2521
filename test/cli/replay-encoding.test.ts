/**
 * Files as other tools write them (issue 15, item 6): a byte-order mark (UTF-8, or UTF-16 as
 * Windows PowerShell writes) is read, not rejected; control bytes in quoted input reach the
 * terminal escaped.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readReplayInput } from '../../cli/replay-input.ts';
import {
  freshFolder,
  parseOutput,
  removeWrittenEvents,
  runBin,
  runCli,
  SEED,
  SEED_RULE,
  writeEvents,
  type CliRun,
} from './harness.ts';
import { stackEvent } from '../support/events.ts';

afterAll(removeWrittenEvents);

const SEED_TEXT = readFileSync(SEED, 'utf8');
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** TEXT as UTF-16 with its byte-order mark, as PowerShell's `>` writes it (LE) or others (BE). */
function utf16(text: string, order: 'le' | 'be'): Buffer {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  return order === 'le' ? le : Buffer.from(le).swap16();
}

function fileOf(name: string, bytes: Buffer): string {
  const file = path.join(freshFolder(name), `${name}.jsonl`);
  writeFileSync(file, bytes);
  return file;
}

/** Any control character a terminal acts on: C0 (BEL, BS, CR, ESC…), DEL, C1. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('a byte-order mark is read as the encoding it announces, not as input', () => {
  let seed: CliRun;
  beforeAll(async () => {
    seed = await runCli(['replay', SEED, '--service-rule', SEED_RULE, '--format', 'json']);
  });

  test(
    'the seed with a UTF-8 BOM, through the real binary, replays exactly as the seed: the hung deletion ' + 'included',
    async () => {
      // Prepare
      const file = fileOf('seed-utf8-bom', Buffer.concat([UTF8_BOM, Buffer.from(SEED_TEXT)]));

      // Act
      const run = await runBin(['replay', file, '--service-rule', SEED_RULE, '--format', 'json']);

      // Assess
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(seed.stdout);
      expect(parseOutput(run.stdout).operations).toContainEqual(
        expect.objectContaining({ stackName: 'trustsource-core-prod', operation: 'DELETE' }),
      );
    },
  );

  test.each(['le', 'be'] as const)('the seed as UTF-16 %s with its BOM replays exactly as the seed', async (order) => {
    // Prepare
    const file = fileOf(`seed-utf16${order}`, utf16(SEED_TEXT, order));

    // Act
    const run = await runCli(['replay', file, '--service-rule', SEED_RULE, '--format', 'json']);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(seed.stdout);
  });

  test('a JSON array with a UTF-8 BOM replays as without it', async () => {
    // Prepare
    const events = SEED_TEXT.trim()
      .split('\n')
      .map((line): unknown => JSON.parse(line));
    const plain = writeEvents('seed-array', events, 'array');
    const marked = fileOf('seed-array-bom', Buffer.concat([UTF8_BOM, readFileSync(plain)]));

    // Act
    const run = await runCli(['replay', marked, '--service-rule', SEED_RULE, '--format', 'json']);

    // Assess
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(seed.stdout);
  });

  test('readReplayInput reads text that kept its BOM as the text without it', () => {
    // Act
    const marked = readReplayInput(`\uFEFF${SEED_TEXT}`);

    // Assess
    expect(marked).toEqual(readReplayInput(SEED_TEXT));
    expect(marked.rejected).toEqual([]);
  });
});

describe('control characters in quoted input are escaped, never sent to the terminal', () => {
  test(
    'JSON Lines: the JSON.parse message and a received value, on stderr and in both formats, as \\u ' + 'escapes',
    async () => {
      // Prepare
      const good = JSON.stringify(stackEvent({ name: 'escaped' }, '2025-03-04T13:00:00Z', 'CREATE_IN_PROGRESS'));
      const foreign = JSON.stringify({
        ...stackEvent({ name: 'escaped' }, '2025-03-04T13:01:00Z', 'CREATE_COMPLETE'),
        id: 'bell\u0007id',
        source: 'aws\u007f\u009b[31m',
      });
      const file = fileOf('control-bytes', Buffer.from(`${good}\n\u0007\boops\u001b[2J\n${foreign}\n`));

      // Act
      const json = await runCli(['replay', file, '--format', 'json']);
      const table = await runCli(['replay', file, '--format', 'table']);

      // Assess
      const stderr =
        `cfn-watchdog: 2 of 3 lines rejected: line 2 (not valid JSON (Unexpected token '\\u0007', ` +
        `"\\u0007\\u0008oops\\u001b[2J" is not valid JSON)), ` +
        `line 3 (source: expected 'aws.cloudformation', got "aws\\u007f\\u009b[31m")\n`;
      expect(json.status).toBe(1);
      expect(json.stderr).toBe(stderr);
      expect(parseOutput(json.stdout).rejected).toEqual([
        {
          index: 1,
          error: `not valid JSON (Unexpected token '\\u0007', "\\u0007\\u0008oops\\u001b[2J" is not valid JSON)`,
        },
        { index: 2, id: 'bell\u0007id', error: `source: expected 'aws.cloudformation', got "aws\\u007f\\u009b[31m"` },
      ]);
      expect(table.status).toBe(1);
      expect(table.stderr).toBe(stderr);
      expect(table.stdout).toContain('bell\\u0007id');
      expect(table.stdout).not.toMatch(CONTROL);
    },
  );

  test('a JSON array that is not JSON: one usage line, its control bytes escaped; exit 2', async () => {
    // Prepare
    const file = fileOf('control-array', Buffer.from('[\u0007]'));

    // Act
    const run = await runCli(['replay', file, '--format', 'json']);

    // Assess
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `cfn-watchdog: ${file}: not valid JSON: Unexpected token '\\u0007', "[\\u0007]" is not valid JSON\n`,
    );
  });
});
