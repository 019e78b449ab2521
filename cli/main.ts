/**
 * The `cfn-watchdog` command.
 */
import { Command, CommanderError, Option } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import type { Log } from '../shared/app/log.ts';
import { escapeControlCharacters } from '../shared/domain/cfn-event.ts';
import { configFromText } from '../shared/domain/config.ts';
import { formatInstant, parseUserInstant } from '../shared/domain/time.ts';
import { backtestJson, backtestTable, summarizeBacktest } from './backtest.ts';
import { exportEvents, type ExportFlags } from './export.ts';
import { importFiles } from './import.ts';
import { readReplayFile, ReplayInputError, type ReplayInput } from './replay-input.ts';
import { replay } from './replay.ts';
import { nothingReplayed, rejectedSummary, rejectedTable, replayJson, replayTable } from './replay-output.ts';
import { endpointUrl } from './data-source.ts';
import { openReplayFolder, StoreInUseError } from './store-folder.ts';
import { listWindows, type WindowsFlags } from './windows.ts';
import { showStatus, type StatusFlags } from './status.ts';
import { NothingFoundError, showTimeline, type TimelineFlags } from './timeline.ts';
import { writeReport, type ReportFlags } from './report-data.ts';
import { applyRedrive, DEFAULT_MAX, listRedrive, showRedrive, type RedriveFlags } from './redrive.ts';
import { UserInputError } from '../shared/errors.ts';

/**
 * 1 is "some input was rejected" or "no event replayed" for replay and "nothing matched" for
 * timeline, as grep's 1: the command ran, but what it printed is not the all-clear 0 would be. A
 * store in use by another command is a failure, not a usage error: the same command succeeds later.
 */
export const ExitCode = {
  OK: 0,
  REJECTED_INPUT: 1,
  NOTHING_REPLAYED: 1,
  NOTHING_FOUND: 1,
  /** `redrive apply`: some messages stay in the dead-letter queue (each with why). */
  MESSAGES_KEPT: 1,
  USAGE: 2,
  FAILURE: 3,
  STORE_IN_USE: 3,
} as const;

/** `--format`, one of `choices`, as every command that prints a table or data takes it. */
const formatOption = (...choices: readonly string[]): Option =>
  new Option('--format <format>', 'output format (default: table on a terminal, else json)').choices(choices);

/** A mistake in how the command was called: one line on stderr, exit status 2. */
export class UsageError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly isTty: boolean;
  /**
   * "Now" for the read commands reading a table written as things happen (not `--db`); the wall clock unless a test
   * sets it.
   */
  readonly clock?: () => number;
}

const stderrLog = (io: Io): Log => ({
  info: () => undefined,
  // Attributes quote input (stack names, statuses): JSON.stringify leaves DEL and C1 as they are.
  warn: (message, attributes) =>
    io.stderr(
      `cfn-watchdog: warning: ` +
        `${message}${attributes ? ` ${escapeControlCharacters(JSON.stringify(attributes))}` : ''}\n`,
    ),
});

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * The options every read command takes: where the data is, the watched stack, now and the zone
 * to print times in. `--stack` is a watched stack on every command, so that it means one thing;
 * the watchdog's own is `--watchdog-stack`.
 */
function withDataSource(command: Command): Command {
  return command
    .option('--db <dir>', 'read the store that replay --db DIR kept')
    .option(
      '--endpoint <url>',
      'read from this endpoint (DynamoDB Local, dynalite, moto); with --watchdog-stack, CloudFormation too',
    )
    .option('--table <name>', 'the deployed table (the stack output TableName)')
    .option('--watchdog-stack <name>', 'the deployed cfn-watchdog stack: read the table name from its TableName output')
    .option('--stack <name|arn>', 'the watched stack: its name (every stack that had it) or its ARN')
    .option('--aws-region <region>', 'the region of --table (default: AWS_REGION or your profile)')
    .option('--profile <name>', 'the AWS profile for --table')
    .option(
      '--tz <zone>',
      'print times in this IANA zone with its real offset, e.g. Europe/Berlin, and read dates as its days ' +
        '(default: UTC)',
    )
    .option(
      '--as-of <time>',
      'take now to be this ISO time or date (default: the last change to a --db store, else the wall clock)',
    )
    .exitOverride();
}

/** `--from`/`--to` as windows, timeline and report take them. */
function withRange(command: Command): Command {
  return command
    .option('--from <time>', 'ISO time, or a date: midnight in --tz (default UTC) (default: 7 days before --to)')
    .option('--to <time>', 'ISO time, or a date: midnight in --tz (default UTC) (default: now, see --as-of)');
}

interface ReplayFlags {
  db?: string;
  append?: boolean;
  endpoint?: string;
  table?: string;
  until?: string;
  thresholds?: string;
  serviceRule: string[];
  allowedServiceTags?: string;
  mute: string[];
  repeatCriticalEvery?: string;
  grace?: string;
  format?: 'json' | 'table';
  simulateCloudformation?: boolean;
  headsUp?: boolean;
  onTime?: boolean;
}

/** Progress of a replay that runs longer than a few seconds: a line on stderr every few seconds. */
const PROGRESS_AFTER_MS = 3000;
const PROGRESS_EVERY_MS = 5000;

function progressLine(
  io: Io,
): (done: { readonly delivered: number; readonly total: number; readonly at: number }) => void {
  const clock = io.clock ?? Date.now;
  const started = clock();
  let next = started + PROGRESS_AFTER_MS;
  return ({ delivered, total, at }) => {
    const now = clock();
    if (now < next) return;
    next = now + PROGRESS_EVERY_MS;
    const percent = Math.floor((delivered / total) * 100);
    io.stderr(
      `cfn-watchdog: replayed ${delivered.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} events ` +
        `(${percent}%), virtual time ${formatInstant(at)}\n`,
    );
  };
}

async function runReplay(file: string, flags: ReplayFlags, io: Io): Promise<number> {
  const config = configFromText({
    thresholds: flags.thresholds,
    serviceRules: flags.serviceRule,
    allowedServiceTags: flags.allowedServiceTags,
    grace: flags.grace,
    mutes: flags.mute,
    repeatCriticalEvery: flags.repeatCriticalEvery,
    headsUp: flags.headsUp,
  });
  const until = flags.until === undefined ? undefined : parseUserInstant(flags.until, '--until');
  if (flags.db !== undefined && flags.endpoint !== undefined)
    throw new UsageError('replay: give --db DIR or --endpoint URL, not both');
  if (flags.table !== undefined && flags.endpoint === undefined)
    throw new UsageError('replay: --table names a table at --endpoint URL; give --endpoint too');
  if (flags.endpoint !== undefined) endpointUrl(flags.endpoint);
  if (flags.append && flags.db === undefined)
    throw new UsageError('replay: --append adds to the store in --db DIR; give --db too');
  if (flags.append && flags.simulateCloudformation) {
    // It answers from FILE alone, so it would find every stack the store already holds gone.
    throw new UsageError(
      'replay: --simulate-cloudformation knows only the events of FILE, not those already in --db DIR: replay the ' +
        'whole history into a new --db instead of --append',
    );
  }
  // Before any work: a --db that cannot take the store fails now, not after a long replay.
  const db = flags.db === undefined ? undefined : await openReplayFolder(flags.db, { append: flags.append === true });
  let result: Awaited<ReturnType<typeof replay>>;
  let input: ReplayInput;
  try {
    const storeClock = db?.summary.writtenUntil ?? null;
    if (until !== undefined && storeClock !== null && until < storeClock) {
      throw new UsageError(
        `replay: --until ${formatInstant(until)} is before the last change to the store in ${flags.db ?? ''} ` +
          `(${formatInstant(storeClock)}); give a later one`,
      );
    }
    try {
      input = await readReplayFile(file);
    } catch (error) {
      if (error instanceof ReplayInputError) throw new UsageError(`${file}: ${error.message}`, { cause: error });
      throw new UsageError(`cannot read the events file: ${(error as Error).message}`, { cause: error });
    }
    result = await replay(input.deliveries, input.rejected, {
      config,
      until,
      log: stderrLog(io),
      db,
      endpoint: flags.endpoint,
      tableName: flags.table,
      simulateCloudFormation: flags.simulateCloudformation === true,
      lost: input.lost,
      progress: progressLine(io),
      onTime: flags.onTime === true,
    });
  } finally {
    await db?.close();
  }
  const format = flags.format ?? (io.isTty ? 'table' : 'json');
  const nothing = nothingReplayed(file, input, until);
  // Empty sections would read as an all-clear; the JSON stays the contract's object for scripts.
  io.stdout(
    format === 'json'
      ? `${JSON.stringify(replayJson(result), null, 2)}\n`
      : nothing === null
        ? replayTable(result, config)
        : rejectedTable(result),
  );
  const rejected = rejectedSummary(input);
  if (rejected !== null) io.stderr(`cfn-watchdog: ${rejected}\n`);
  if (nothing !== null) io.stderr(`cfn-watchdog: ${nothing}\n`);
  return nothing !== null
    ? ExitCode.NOTHING_REPLAYED
    : result.rejected.length > 0
      ? ExitCode.REJECTED_INPUT
      : ExitCode.OK;
}

interface BacktestFlags {
  thresholds: string[];
  serviceRule: string[];
  mute: string[];
  until?: string;
  onTime?: boolean;
  format?: 'json' | 'table';
}

async function runBacktest(file: string, flags: BacktestFlags, io: Io): Promise<number> {
  if (flags.thresholds.length === 0)
    throw new UsageError(
      "backtest: give the settings to compare, e.g. --thresholds '*=20m/40m' --thresholds UPDATE=auto",
    );
  // Every setting parsed before anything is replayed: a mistyped second one fails at once.
  const configs = flags.thresholds.map((thresholds) =>
    configFromText({ thresholds, serviceRules: flags.serviceRule, mutes: flags.mute }),
  );
  const until = flags.until === undefined ? undefined : parseUserInstant(flags.until, '--until');
  let input: ReplayInput;
  try {
    input = await readReplayFile(file);
  } catch (error) {
    if (error instanceof ReplayInputError) throw new UsageError(`${file}: ${error.message}`, { cause: error });
    throw new UsageError(`cannot read the events file: ${(error as Error).message}`, { cause: error });
  }
  const nothing = nothingReplayed(file, input, until);
  if (nothing !== null) {
    io.stderr(`cfn-watchdog: ${nothing}\n`);
    return ExitCode.NOTHING_REPLAYED;
  }
  const runs = [];
  for (const config of configs)
    runs.push(
      await replay(input.deliveries, input.rejected, { config, until, log: stderrLog(io), onTime: flags.onTime }),
    );
  // A loop, not Math.min(...): a month of events is more arguments than a call takes.
  const from = input.deliveries.reduce((earliest, delivery) => Math.min(earliest, delivery.event.time), Infinity);
  const backtest = summarizeBacktest(
    runs,
    configs.map((config) => config.thresholds),
    from,
  );
  const format = flags.format ?? (io.isTty ? 'table' : 'json');
  io.stdout(format === 'json' ? `${JSON.stringify(backtestJson(backtest), null, 2)}\n` : backtestTable(backtest));
  const rejected = rejectedSummary(input);
  if (rejected !== null) io.stderr(`cfn-watchdog: ${rejected}\n`);
  return input.rejected.length > 0 ? ExitCode.REJECTED_INPUT : ExitCode.OK;
}

/**
 * Runs the command line and returns the exit status; never calls `process.exit` itself.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: …, isTty:
 * false });
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let status: number = ExitCode.OK;
  const program = new Command('cfn-watchdog')
    .description('Watchdog for AWS CloudFormation deployments: escalations and impact windows.')
    .version(packageJson.version, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (text, write) => write(`cfn-watchdog: ${text.replace(/^error: /, '')}`),
    });

  program
    .command('replay')
    .description(
      'Replay CloudFormation events (JSON array or JSON Lines) in virtual time against an in-process DynamoDB table',
    )
    .argument(
      '<file>',
      'events file; an element may be {"deliverAt": ISO, "event": {...}} to deliver it late, or {"lost": true, ' +
        '"event": {...}} for one never delivered',
    )
    .option(
      '--until <time>',
      'stop the virtual clock at this ISO time (default: the whole minute at or after the last delivery)',
    )
    .option(
      '--thresholds <spec>',
      "warn/critical per operation type, e.g. DELETE=20m/40m,UPDATE=30m/60m,*=20m/40m; TYPE=auto: by the stack's usual",
    )
    .option(
      '--service-rule <SERVICE=REGEX>',
      'map stacks whose name matches REGEX to SERVICE (repeatable, first match wins)',
      collect,
      [],
    )
    .option(
      '--allowed-service-tags <ACCOUNT=REGEX;...>',
      'the cfn-watchdog:service tags honoured per account (12-digit id or *), REGEX matching the whole tag ' +
        '(default: all)',
    )
    .option('--grace <duration>', 'how long a service left with no stack waits for a replacement (e.g. 60m)')
    .option(
      '--repeat-critical-every <duration>',
      'remind of an operation still CRITICAL every this long (e.g. 30m; default: off)',
    )
    .option(
      '--mute <REGEX>',
      'send no notification for stacks whose name or service matches (repeatable); still recorded',
      collect,
      [],
    )
    .option(
      '--heads-up',
      'an INFO at the first event of a known slow step that usually finishes (Lambda VPC interfaces, ECS, ACM)',
    )
    .option(
      '--on-time',
      'send each WARNING/CRITICAL at the second its threshold falls due, as the deployed sweeper does ' +
        '(default: at the whole-minute sweep after it)',
    )
    .addOption(formatOption('json', 'table'))
    .option(
      '--db <dir>',
      'keep what was replayed in this folder, for the read commands (windows --db DIR); a new or empty folder ' +
        'unless --append',
    )
    .option(
      '--append',
      "go on from the store already in --db DIR: its stacks, windows and virtual time, with FILE's later events",
    )
    .option(
      '--endpoint <url>',
      'replay into the DynamoDB at this endpoint (DynamoDB Local, dynalite, moto, a dev table) instead of in memory',
    )
    .option('--table <name>', 'the table at --endpoint (default cfn-watchdog; created if missing)')
    .option(
      '--simulate-cloudformation',
      "answer the sweeper's DescribeStacks from the whole input (lost and not yet delivered events too) as of the " +
        'virtual clock',
    )
    .exitOverride()
    .action(async (file: string, flags: ReplayFlags) => {
      status = await runReplay(file, flags, io);
    });

  program
    .command('backtest')
    .description(
      'Replay one history once per --thresholds setting and compare them: pages per week, how early each caught ' +
        'the operations that failed or ran over an hour, and the pages for nothing',
    )
    .argument('<file>', 'events file, as replay takes it (JSON Lines or a JSON array)')
    .option(
      '--thresholds <spec>',
      "a setting to compare (repeatable), e.g. --thresholds '*=20m/40m' --thresholds 'UPDATE=auto,*=20m/40m'",
      collect,
      [],
    )
    .option('--service-rule <SERVICE=REGEX>', 'as for replay (repeatable)', collect, [])
    .option('--mute <REGEX>', 'as for replay (repeatable)', collect, [])
    .option('--until <time>', 'as for replay: where the history ends (default: the minute after its last event)')
    .option('--on-time', 'as for replay: each page at the second its threshold falls due, as deployed')
    .addOption(formatOption('table', 'json'))
    .exitOverride()
    .action(async (file: string, flags: BacktestFlags) => {
      status = await runBacktest(file, flags, io);
    });

  program
    .command('import')
    .description(
      'Turn `aws cloudformation describe-stack-events` output (pages, stacks; UTF-8 or UTF-16) into replay input, ' +
        'JSON Lines on stdout',
    )
    .argument(
      '<file...>',
      'describe-stack-events output files; all or nothing: a bad one is named on stderr and nothing is printed',
    )
    .exitOverride()
    .action(async (files: string[]) => {
      const { output, problems } = await importFiles(files);
      for (const problem of problems) io.stderr(`cfn-watchdog: import: ${problem}\n`);
      io.stdout(output);
      status = problems.length > 0 ? ExitCode.USAGE : ExitCode.OK;
    });

  const clock = io.clock ?? Date.now;

  withDataSource(
    withRange(
      program
        .command('windows')
        .description(
          'List impact windows overlapping --from/--to, to find and re-process the work that failed during them',
        ),
    )
      .option('--service <name>', 'only this service')
      .option('--account <id>', 'only this account')
      .option('--region <region>', 'only windows of stacks in this region')
      .option('--open', 'only windows still open')
      .addOption(formatOption('table', 'json', 'csv')),
  ).action(async (flags: WindowsFlags & { region?: string; awsRegion?: string }) => {
    const { region, awsRegion, ...rest } = flags;
    io.stdout(await listWindows({ ...rest, windowRegion: region, region: awsRegion }, clock, io.isTty));
  });

  withDataSource(
    program
      .command('status')
      .description('Show the operations in progress now (elapsed, severity, what is stuck) and the open impact windows')
      .option('--thresholds <spec>', "the deployment's thresholds, for the severity reached (default *=20m/40m)")
      .addOption(formatOption('table', 'json')),
  ).action(async (flags: StatusFlags & { thresholds?: string; awsRegion?: string }) => {
    const { thresholds, awsRegion, ...rest } = flags;
    io.stdout(await showStatus({ ...rest, region: awsRegion }, configFromText({ thresholds }), clock, io.isTty));
  });

  withDataSource(
    withRange(
      program
        .command('export')
        .description(
          "Print the CloudFormation events the store keeps, dated in --from/--to, as JSON Lines in EventBridge's " +
            'shape: input for replay and backtest',
        ),
    ),
  ).action(async (flags: ExportFlags & { awsRegion?: string }) => {
    const { awsRegion, ...rest } = flags;
    const done = await exportEvents({ ...rest, region: awsRegion }, clock, io.stdout);
    io.stderr(
      `cfn-watchdog: exported ${done.events} events of ${done.stacks} stacks, ${formatInstant(done.from)} to ` +
        `${formatInstant(done.to)}` +
        (done.reconciled > 0
          ? ` (${done.reconciled} of them made up by the sweeper from DescribeStacks: their events were lost)`
          : '') +
        '\n',
    );
    status = done.events === 0 ? ExitCode.NOTHING_FOUND : ExitCode.OK;
  });

  withDataSource(
    withRange(
      program
        .command('timeline')
        .description(
          'Show what one stack, or every stack of a service, went through in --from/--to: stack and resource ' +
            'status changes, in order',
        ),
    )
      .option('--service <name>', 'every stack of this service')
      .option('--account <id>', 'only stacks in this account')
      .option('--region <region>', 'only stacks in this region')
      .addOption(formatOption('table', 'json', 'csv')),
  ).action(async (flags: TimelineFlags & { region?: string; awsRegion?: string }) => {
    const { region, awsRegion, ...rest } = flags;
    if ((rest.stack === undefined) === (rest.service === undefined))
      throw new UsageError('timeline: give one of --stack NAME|ARN or --service NAME');
    io.stdout(await showTimeline({ ...rest, stackRegion: region, region: awsRegion }, clock, io.isTty));
  });

  withDataSource(
    withRange(
      program
        .command('report')
        .description(
          "Write a self-contained HTML postmortem of --from/--to: the stacks' timeline, the impact windows and " +
            'what to re-process',
        ),
    )
      .requiredOption('--out <file>', 'the HTML file to write')
      .option('--service <name>', 'only this service')
      .option('--thresholds <spec>', "the deployment's thresholds, for the marks on the timeline (default *=20m/40m)"),
  ).action(async (flags: ReportFlags & { thresholds?: string; awsRegion?: string }) => {
    const { thresholds, awsRegion, ...rest } = flags;
    io.stdout(await writeReport({ ...rest, region: awsRegion }, configFromText({ thresholds }), clock));
  });

  const redrive = program
    .command('redrive')
    .description('List, show and re-apply the events in the dead-letter queue (hidden while read: docs/cli.md)')
    .exitOverride();
  const withQueue = (command: Command): Command =>
    command
      .option('--queue-url <url>', "the dead-letter queue (default: the --watchdog-stack's DeadLetterQueueUrl output)")
      .option('--watchdog-stack <name>', 'the cfn-watchdog stack: its queue; for apply its table, topic, settings')
      .option('--endpoint <url>', 'every AWS service at this endpoint (moto, for tests)')
      .option('--aws-region <region>', 'the region of the queue and the stack (default: AWS_REGION or your profile)')
      .option('--profile <name>', 'the AWS profile')
      .option('--max <n>', `look at most at this many messages (default ${DEFAULT_MAX})`)
      .option('--tz <zone>', 'print times in this IANA zone, e.g. Europe/Berlin (default: UTC)')
      .exitOverride();
  const redriveFlags = ({ awsRegion, ...rest }: RedriveFlags & { awsRegion?: string }): RedriveFlags => ({
    ...rest,
    region: awsRegion,
  });

  withQueue(redrive.command('list').description('List the messages waiting, parsed as the stack-events function would'))
    .addOption(formatOption('table', 'json'))
    .action(async (flags: RedriveFlags & { awsRegion?: string }) => {
      io.stdout(await listRedrive(redriveFlags(flags), clock, io.isTty, stderrLog(io)));
    });

  withQueue(redrive.command('show').description('Show one message: why it failed, its attributes, its event (JSON)'))
    .argument('<message-id>', 'the SQS message id, as list prints it')
    .action(async (messageId: string, flags: RedriveFlags & { awsRegion?: string }) => {
      io.stdout(await showRedrive(messageId, redriveFlags(flags), clock, stderrLog(io)));
    });

  withQueue(redrive.command('apply').description('Apply each event as the function would; delete the accepted'))
    .option('--dry-run', 'parse and say what would be applied; write and delete nothing')
    .addOption(formatOption('table', 'json'))
    .action(async (flags: RedriveFlags & { awsRegion?: string; dryRun?: boolean }) => {
      const { output, allDeleted } = await applyRedrive(
        { ...redriveFlags(flags), dryRun: flags.dryRun },
        clock,
        io.isTty,
        stderrLog(io),
      );
      io.stdout(output);
      status = allDeleted ? ExitCode.OK : ExitCode.MESSAGES_KEPT;
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    if (error instanceof NothingFoundError) {
      io.stderr(`cfn-watchdog: ${error.message}\n`);
      return ExitCode.NOTHING_FOUND;
    }
    if (error instanceof StoreInUseError) {
      io.stderr(`cfn-watchdog: ${error.message}\n`);
      return ExitCode.STORE_IN_USE;
    }
    // After the special cases above: whatever extends UserInputError is the caller's to fix, listed nowhere.
    if (error instanceof UserInputError) {
      io.stderr(`cfn-watchdog: ${error.message}\n`);
      return ExitCode.USAGE;
    }
    // Not the user's mistake: say what broke in one line; the stack trace helps nobody here.
    io.stderr(`cfn-watchdog: failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    return ExitCode.FAILURE;
  }
}
