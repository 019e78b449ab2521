/**
 * `cfn-watchdog replay` on an organisation's history: its input read line by line, a progress
 * line while it runs, and `--endpoint URL [--table NAME]` to replay into any DynamoDB, where the
 * read commands find what it wrote.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { main, type Io } from '../../cli/main.ts';
import { readReplayFile, readReplayInput } from '../../cli/replay-input.ts';
import { stackEvent } from '../support/events.ts';
import { runCli, SEED, SEED_RULE, writeEvents, removeWrittenEvents } from './harness.ts';

const scratch = mkdtempSync(path.join(tmpdir(), 'cfn-watchdog-replay-scale-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  removeWrittenEvents();
});

const started = JSON.stringify(
  stackEvent({ name: 'shop-prod' }, '2024-03-05T10:00:00Z', 'UPDATE_IN_PROGRESS', 'User Initiated', 'e1'),
);
const completed = JSON.stringify(
  stackEvent({ name: 'shop-prod' }, '2024-03-05T10:05:00Z', 'UPDATE_COMPLETE', '', 'e2'),
);
const late = JSON.stringify({ deliverAt: '2024-03-05T10:30:00Z', event: JSON.parse(completed) as unknown });

describe('reading a replay file', () => {
  it.each([
    { file: 'JSON Lines with blank lines and CRLF', text: `\r\n${started}\r\n\r\n${completed}\r\n` },
    { file: 'JSON Lines with a late and a malformed line', text: `${started}\n{"oops"\n${late}\n` },
    { file: 'JSON Lines whose first line is malformed', text: `{"id": \n${started}\n` },
    {
      file: 'a pretty-printed JSON array',
      text: JSON.stringify([JSON.parse(started), JSON.parse(completed)], null, 2),
    },
    { file: 'one pretty-printed event', text: JSON.stringify(JSON.parse(started), null, 2) },
    { file: 'an empty file', text: '' },
    { file: 'only whitespace', text: ' \n\t\n' },
  ])('reads $file line by line as the whole text reads it', async ({ text }) => {
    // Prepare
    const file = path.join(scratch, `${randomUUID()}.jsonl`);
    writeFileSync(file, text);

    // Act
    const streamed = await readReplayFile(file);

    // Assess
    expect(streamed).toEqual(readReplayInput(text));
  });
});

describe('replaying a long history', () => {
  it('says on stderr how far it got while it runs longer than a few seconds', async () => {
    // Prepare: 1,100 events; a wall clock that moves five seconds each time it is read.
    const events = Array.from({ length: 550 }, (_, index) => {
      const stack = { name: `shop-${index}`, uuid: `${String(index).padStart(8, '0')}-1b15-11ec-a8f1-0254c7e39ab2` };
      return [
        stackEvent(stack, '2024-03-05T10:00:00Z', 'CREATE_IN_PROGRESS', 'User Initiated'),
        stackEvent(stack, '2024-03-05T10:03:00Z', 'CREATE_COMPLETE'),
      ];
    }).flat();
    const file = writeEvents('long', events);
    let wall = Date.parse('2026-12-05T12:00:00Z');
    let stderr = '';
    const io: Io = {
      stdout: () => undefined,
      stderr: (text) => void (stderr += text),
      isTty: false,
      clock: () => (wall += 5000),
    };

    // Act
    const status = await main(['replay', file, '--format', 'json'], io);

    // Assess
    expect(status).toBe(0);
    expect(stderr).toBe('cfn-watchdog: replayed 1,000 of 1,100 events (90%), virtual time 2024-03-05T10:03:00Z\n');
  });

  it('says nothing on stderr for a replay done within a few seconds', async () => {
    // Act
    const run = await runCli(['replay', SEED, '--service-rule', SEED_RULE, '--format', 'json']);

    // Assess
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
  });
});

describe('replay --endpoint URL --table NAME', () => {
  it(
    'replays into that DynamoDB, where windows finds the seed window, and prints what an in-memory replay ' + 'prints',
    async () => {
      // Prepare
      const endpoint = inject('dynaliteEndpoint');
      const table = `replayed-${randomUUID()}`;

      // Act
      const into = await runCli([
        'replay',
        SEED,
        '--service-rule',
        SEED_RULE,
        '--endpoint',
        endpoint,
        '--table',
        table,
        '--format',
        'json',
      ]);
      const inMemory = await runCli(['replay', SEED, '--service-rule', SEED_RULE, '--format', 'json']);
      const windows = await runCli([
        'windows',
        '--endpoint',
        endpoint,
        '--table',
        table,
        '--from',
        '2021-09-21',
        '--to',
        '2021-09-22',
        '--format',
        'json',
      ]);

      // Assess
      expect(into.status).toBe(0);
      expect(into.stdout).toBe(inMemory.stdout);
      expect(JSON.parse(windows.stdout)).toEqual([
        expect.objectContaining({
          start: '2021-09-21T19:09:00Z',
          end: '2021-09-21T20:07:00Z',
          service: 'trustsource-core',
        }),
      ]);
    },
  );

  it.each([
    {
      args: ['--db', 'x', '--endpoint', 'http://127.0.0.1:1'],
      message: 'cfn-watchdog: replay: give --db DIR or --endpoint URL, not both\n',
    },
    {
      args: ['--table', 'x'],
      message: 'cfn-watchdog: replay: --table names a table at --endpoint URL; give --endpoint too\n',
    },
  ])('refuses $args with one line and exit 2', async ({ args, message }) => {
    // Act
    const run = await runCli(['replay', SEED, ...args]);

    // Assess
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(message);
  });

  it.each([
    {
      args: ['replay', SEED, '--endpoint', 'localhost:8000'],
      message:
        "cfn-watchdog: --endpoint: expected an http(s) URL such as http://localhost:8000, got 'localhost:8000'\n",
    },
    {
      args: ['windows', '--endpoint', 'ftp://x'],
      message: "cfn-watchdog: --endpoint: expected an http(s) URL such as http://localhost:8000, got 'ftp://x'\n",
    },
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    {
      args: ['replay', SEED, '--endpoint', 'http://127.0.0.1:1'],
      message:
        'cfn-watchdog: nothing answers at http://127.0.0.1:1 (ECONNREFUSED): is DynamoDB Local, dynalite or moto ' +
        'running there?\n',
    },
    {
      args: ['windows', '--endpoint', 'http://127.0.0.1:1'],
      message:
        'cfn-watchdog: nothing answers at http://127.0.0.1:1 (ECONNREFUSED): is DynamoDB Local, dynalite or moto ' +
        'running there?\n',
    },
  ])('says in one line what is wrong with --endpoint in $args', async ({ args, message }) => {
    // Act
    const run = await runCli(args);

    // Assess
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(message);
  });
});
