/**
 * The error hierarchy (shared/errors.ts): every error class of the project extends UserInputError
 * (the CLI's exit 2) or WatchdogError, so that no caller needs a list of classes; and a scan of
 * the sources keeps a new class from extending Error (or another built-in error) directly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedDbLockedError, EmbeddedDbOpenError } from '../shared/adapters/embedded-dynamodb.ts';
import { ConfigurationError } from '../shared/adapters/env-config.ts';
import { BusEventRejectedError } from '../shared/adapters/eventbridge-publisher.ts';
import { MemoryTableValidationError } from '../shared/adapters/memory-table.ts';
import { StoreDataError } from '../shared/adapters/store-items.ts';
import { FoldedPageMissingError } from '../shared/app/ports.ts';
import { SweepIncompleteError } from '../shared/app/sweep.ts';
import { ConcurrentUpdateError } from '../shared/app/versioned-write.ts';
import { InvalidEventError } from '../shared/domain/cfn-event.ts';
import { MuteRuleError } from '../shared/domain/mute.ts';
import { ServiceRuleError } from '../shared/domain/service.ts';
import { ThresholdSpecError } from '../shared/domain/thresholds.ts';
import { TimeFormatError } from '../shared/domain/time.ts';
import { UserInputError, WatchdogError } from '../shared/errors.ts';
import { DataSourceError } from '../cli/data-source.ts';
import { ImportInputError } from '../cli/import.ts';
import { UsageError } from '../cli/main.ts';
import { ReplayInputError } from '../cli/replay-input.ts';
import { ReportOutputError } from '../cli/report-data.ts';
import { StoreFolderError, StoreInUseError } from '../cli/store-folder.ts';
import { TextEncodingError } from '../cli/text-input.ts';
import { NothingFoundError } from '../cli/timeline.ts';
import { TimeZoneError } from '../cli/zoned-time.ts';
import { BuildConfigError } from '../scripts/build.ts';
import { TemplateError } from '../scripts/cfn-template.ts';
import { REPO_ROOT } from './support/shared-files.ts';

type Base = typeof UserInputError | typeof WatchdogError;

interface Row {
  readonly name: string;
  readonly make: () => Error;
}

const userInput: readonly Row[] = [
  { name: 'InvalidEventError', make: () => new InvalidEventError('detail.stack-id', 'expected a stack ARN', 'e-1') },
  { name: 'TimeFormatError', make: () => new TimeFormatError('--until: expected an ISO-8601 time') },
  { name: 'ThresholdSpecError', make: () => new ThresholdSpecError('thresholds: unknown type DELTE') },
  { name: 'ServiceRuleError', make: () => new ServiceRuleError("service rule '^core-': expected SERVICE=REGEX") },
  { name: 'MuteRuleError', make: () => new MuteRuleError("mute '(' is not a valid regular expression") },
  { name: 'ConfigurationError', make: () => new ConfigurationError('WATCHDOG_GRACE', 'expected a duration') },
  { name: 'ReplayInputError', make: () => new ReplayInputError('line 3: not JSON') },
  { name: 'TimeZoneError', make: () => new TimeZoneError("--tz: 'Mars/Olympus' is not a time zone") },
  { name: 'ImportInputError', make: () => new ImportInputError('page.json', 'not valid JSON') },
  { name: 'TextEncodingError', make: () => new TextEncodingError('not UTF-8') },
  { name: 'DataSourceError', make: () => new DataSourceError("table 't' not found in eu-central-1") },
  { name: 'UsageError', make: () => new UsageError('replay: give --db DIR or --endpoint URL, not both') },
  { name: 'StoreFolderError', make: () => new StoreFolderError('no store at ./incident') },
  { name: 'ReportOutputError', make: () => new ReportOutputError("--out: cannot write 'x.html'") },
  { name: 'TemplateError', make: () => new TemplateError('template.yaml: resource A has no Type') },
  { name: 'BuildConfigError', make: () => new BuildConfigError('StackEvents: Handler must be a string') },
];

const watchdog: readonly Row[] = [
  { name: 'SweepIncompleteError', make: () => new SweepIncompleteError([new Error('SNS refused')]) },
  { name: 'FoldedPageMissingError', make: () => new FoldedPageMissingError('page 2 of stack s is gone') },
  { name: 'ConcurrentUpdateError', make: () => new ConcurrentUpdateError('stack s', 12) },
  { name: 'BusEventRejectedError', make: () => new BusEventRejectedError('PutEvents refused the entry') },
  { name: 'EmbeddedDbLockedError', make: () => new EmbeddedDbLockedError('the LevelDB at x is open elsewhere') },
  { name: 'EmbeddedDbOpenError', make: () => new EmbeddedDbOpenError('cannot open the LevelDB at x', 'store') },
  { name: 'StoreDataError', make: () => new StoreDataError("not a service partition key: 'X'") },
  // Named as DynamoDB names what it refuses.
  { name: 'ValidationException', make: () => new MemoryTableValidationError('key is empty') },
  { name: 'StoreInUseError', make: () => new StoreInUseError('the store in x is in use by another command') },
  { name: 'NothingFoundError', make: () => new NothingFoundError('no events of stack a between … in x') },
];

const table: readonly (Row & { readonly base: Base; readonly other: Base })[] = [
  ...userInput.map((row) => ({ ...row, base: UserInputError, other: WatchdogError })),
  ...watchdog.map((row) => ({ ...row, base: WatchdogError, other: UserInputError })),
];

describe('every error class extends one of the two bases', () => {
  it.each(table)('$name extends $base.name', ({ name, make, base, other }) => {
    // Act
    const error = make();

    // Assess
    expect(error).toBeInstanceOf(base);
    expect(error).not.toBeInstanceOf(other);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
  });

  it('keeps a cause given as ErrorOptions', () => {
    // Prepare
    const cause = new Error('EACCES');

    // Act
    const error = new ReportOutputError("--out: cannot write 'x.html'", { cause });

    // Assess
    expect(error.cause).toBe(cause);
  });
});

/** A class declaration found in a source file: its name ('(anonymous)' for a class expression) and what it extends. */
interface Declared {
  readonly file: string;
  readonly name: string;
  readonly parent: string;
}

const DECLARATION = /\bclass(?:\s+([A-Za-z_$][\w$]*))?(?:\s*<[^>{]*>)?\s+extends\s+([A-Za-z_$][\w$.]*)/g;
/** Error, TypeError, globalThis.Error, an SDK's ServiceException: what a project error must not extend itself. */
const ERROR_LIKE = /(?:^|\.)(?:\w*Error|\w*Exception)$/;
const BASES = new Set(['UserInputError', 'WatchdogError']);
const BASES_FILE = 'shared/errors.ts';

function declarations(file: string, source: string): Declared[] {
  // Comments may quote a declaration (shared/errors.ts's examples do): only code counts.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(DECLARATION)].map((match) => ({
    file,
    name: match[1] ?? '(anonymous)',
    parent: match[2] ?? '',
  }));
}

/**
 * The declarations that escape the hierarchy: each class is followed up through the project's
 * own classes; where that ends at an error class from outside, the last one must be a base.
 */
function outsideHierarchy(found: readonly Declared[]): string[] {
  const byName = new Map(found.map((declared) => [declared.name, declared]));
  return found.flatMap((declared) => {
    let last = declared;
    const seen = new Set<string>([declared.name]);
    let next = byName.get(last.parent);
    while (next !== undefined && !seen.has(next.name)) {
      seen.add(next.name);
      last = next;
      next = byName.get(last.parent);
    }
    if (!ERROR_LIKE.test(last.parent)) return [];
    if (last.file === BASES_FILE && BASES.has(last.name) && last.parent === 'Error') return [];
    return [`${declared.file}: ${declared.name} extends ${declared.parent}`];
  });
}

const SCANNED = ['shared', 'cli', 'functions', 'scripts', 'bench'];

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(REPO_ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(relative);
    return /\.(?:ts|mts|cts|js|mjs|cjs)$/.test(entry.name) ? [relative] : [];
  });
}

describe('no error class bypasses the hierarchy', () => {
  it.each([
    ['class Bad extends Error {}', ['x.ts: Bad extends Error']],
    ['export class Bad extends TypeError {}', ['x.ts: Bad extends TypeError']],
    ['const Bad = class extends globalThis.Error {};', ['x.ts: (anonymous) extends globalThis.Error']],
    ['class Bad\n  extends ServiceException {}', ['x.ts: Bad extends ServiceException']],
    ['class A extends Error {}\nclass B extends A {}', ['x.ts: A extends Error', 'x.ts: B extends A']],
    ['class Good extends UserInputError {}\nclass Better extends Good {}', []],
    ['class Stream extends Transform {}', []],
    ['/** class Quoted extends Error {} */\n// class Said extends Error {}', []],
  ])('the scan of %j finds %j', (source, expected) => {
    // Prepare: the bases as the project declares them
    const bases = declarations(BASES_FILE, readFileSync(path.join(REPO_ROOT, BASES_FILE), 'utf8'));

    // Act
    const escaped = outsideHierarchy([...bases, ...declarations('x.ts', source)]);

    // Assess
    expect(escaped).toEqual(expected);
  });

  it('finds no class under shared/, cli/, functions/, scripts/ or bench/ that extends an error but the bases', () => {
    // Prepare
    const found = SCANNED.flatMap(sourceFiles).flatMap((file) =>
      declarations(file, readFileSync(path.join(REPO_ROOT, file), 'utf8')),
    );

    // Act
    const escaped = outsideHierarchy(found);

    // Assess: the scan sees the project's classes, so an empty answer means something
    expect(found.map((declared) => declared.name)).toEqual(
      expect.arrayContaining(['UserInputError', 'WatchdogError', 'TimeZoneError', 'StoreInUseError', 'TemplateError']),
    );
    expect(escaped).toEqual([]);
  });
});
