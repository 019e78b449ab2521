/**
 * The Lambdas' bundles exactly as the template deploys them: built with `scripts/build.ts`'s
 * options (what `sam build` derives from each function's BuildProperties, Minify and Sourcemap as
 * written), then imported by a fresh `node` started with the function's NODE_OPTIONS (Globals and
 * its own Environment), alternately with an empty module in the same run. What is measured is
 * what a cold start pays before the first invocation: the file Lambda loads, and its import.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import * as esbuild from 'esbuild';
import { bundleTargets, handlerFile, REPO_ROOT } from '../scripts/build.ts';
import { readTemplate } from '../scripts/cfn-template.ts';
import { median, progress } from './harness.ts';

export interface BundleFigures {
  /** Function logical id → bytes of the file Lambda loads, as deployed (its source map apart). */
  readonly bundleBytes: Readonly<Record<string, number>>;
  /** Function logical id → bytes of the `.map` beside it in the artifact (0: none). */
  readonly sourceMapBytes: Readonly<Record<string, number>>;
  /** Function logical id → median wall time of `node` (the function's NODE_OPTIONS) importing the bundle, ms. */
  readonly coldImportMs: Readonly<Record<string, number>>;
  /** The same, as a multiple of `node` importing an empty module (no NODE_OPTIONS), alternated with it. */
  readonly coldImportRatio: Readonly<Record<string, number>>;
  readonly emptyImportMs: number;
  /** Function logical id → how it is deployed: esbuild's minify/sourcemap/external, and NODE_OPTIONS. */
  readonly deployedAs: Readonly<Record<string, DeployedAs>>;
  readonly runs: number;
  /** Every sample, ms, in run order: `empty` and each function. */
  readonly samples: Readonly<Record<string, readonly number[]>>;
  /** Function logical id → the packages (or `(app)` for this repo's code) that weigh most in it, bytes. */
  readonly heaviestInputs: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Functions whose bundle failed to build or import, with why. */
  readonly errors: Readonly<Record<string, string>>;
}

export interface DeployedAs {
  readonly minify: boolean;
  readonly sourcemap: boolean;
  readonly external: readonly string[];
  readonly nodeOptions: string | null;
}

/**
 * What the handlers read at cold start (shared/adapters/env-config.ts, the template's Globals),
 * with placeholder values: building the clients needs no network and no real credentials. The
 * credentials are in the environment, as Lambda gives them.
 */
const COLD_START_ENV: Record<string, string> = {
  AWS_REGION: 'eu-central-1',
  AWS_DEFAULT_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SESSION_TOKEN: 'bench',
  AWS_LAMBDA_FUNCTION_NAME: 'cfn-watchdog-bench',
  WATCHDOG_TABLE_NAME: 'cfn-watchdog-bench',
  WATCHDOG_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:cfn-watchdog-alerts',
  WATCHDOG_EVENT_BUS_NAME: 'default',
  WATCHDOG_HOME_ACCOUNT: '123456789012',
  WATCHDOG_KEY_ARN: 'arn:aws:kms:eu-central-1:123456789012:key/00000000-0000-4000-8000-000000000000',
  POWERTOOLS_SERVICE_NAME: 'cfn-watchdog',
  POWERTOOLS_METRICS_NAMESPACE: 'cfn-watchdog',
  // Lambda runs Node.js 22; this machine may run 20, and the SDK's warning is no part of a cold start.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Imports `file` in a fresh node and exits; the parent times the whole process, as a cold start pays it. */
const IMPORTER = 'await import(process.argv[1]);';

function coldImport(file: string, nodeOptions: string | null): { ms: number; error?: string } {
  // A clean environment: nothing of this process's (tsx's loader, a developer's NODE_OPTIONS) leaks in.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    ...COLD_START_ENV,
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
  };
  const start = performance.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', IMPORTER, pathToFileURL(file).href], {
    env,
    encoding: 'utf8',
    timeout: 20_000,
  });
  const ms = performance.now() - start;
  if (child.status !== 0 || child.stderr.trim() !== '') {
    return {
      ms,
      error: (child.stderr || child.error?.message || `exit ${child.status}`)
        .trim()
        .split('\n')
        // Node quotes the failing line of the bundle, which is minified: a whole bundle's worth.
        .map((line) => (line.length > 200 ? `${line.slice(0, 200)}…` : line))
        .slice(0, 6)
        .join(' | '),
    };
  }
  return { ms };
}

/** The package an input file belongs to: `@scope/name` or `name` under node_modules, else `(app)`. */
function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match?.[1] ?? '(app)';
}

/** Bytes each package contributes to one output, the 8 heaviest. */
function heaviest(inputs: Record<string, { bytesInOutput: number }>): Record<string, number> {
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
    byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
  }
  return Object.fromEntries([...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8));
}

/**
 * Builds each bundle as deployed and times its cold import against an empty module's.
 *
 * @example
 * const { bundleBytes, coldImportRatio } = await benchBundles({ runs: 15 });
 */
export async function benchBundles({ runs }: { runs: number }): Promise<BundleFigures> {
  // Inside the repository, so that a package the template leaves External resolves from its
  // node_modules, as Lambda resolves it from the runtime's (NODE_PATH).
  const outRoot = mkdtempSync(join(REPO_ROOT, '.bench-bundles-'));
  try {
    const template = readTemplate(join(REPO_ROOT, 'template.yaml'));
    const targets = bundleTargets(template, { root: REPO_ROOT, outRoot });
    const empty = join(outRoot, 'empty.mjs');
    writeFileSync(empty, 'export {};\n');

    const bundleBytes: Record<string, number> = {};
    const sourceMapBytes: Record<string, number> = {};
    const heaviestInputs: Record<string, Record<string, number>> = {};
    const deployedAs: Record<string, DeployedAs> = {};
    const errors: Record<string, string> = {};
    const built: { logicalId: string; file: string; nodeOptions: string | null }[] = [];
    for (const target of targets) {
      const { options, nodeOptions } = target;
      deployedAs[target.logicalId] = {
        minify: options.minify === true,
        sourcemap: options.sourcemap === true,
        external: options.external ?? [],
        nodeOptions,
      };
      try {
        const result = await esbuild.build({ ...options, metafile: true, logLevel: 'silent' });
        const file = handlerFile(target);
        const output = Object.entries(result.metafile.outputs).find(
          ([name]) => resolve(target.codeDir, name) === file,
        )?.[1];
        if (!output) throw new Error(`esbuild did not write ${file}`);
        bundleBytes[target.logicalId] = statSync(file).size;
        sourceMapBytes[target.logicalId] = existsSync(`${file}.map`) ? statSync(`${file}.map`).size : 0;
        heaviestInputs[target.logicalId] = heaviest(output.inputs);
        built.push({ logicalId: target.logicalId, file, nodeOptions });
      } catch (error) {
        errors[target.logicalId] = `build: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      }
    }
    const kib = (bytes = 0): string => `${(bytes / 1024).toFixed(0)} KiB`;
    const sizes = built.map(({ logicalId }) => {
      const map = sourceMapBytes[logicalId] ? ` (+ map ${kib(sourceMapBytes[logicalId])})` : '';
      return `${logicalId} ${kib(bundleBytes[logicalId])}${map}`;
    });
    progress(`bundles: built ${sizes.join(', ')}`);

    // Alternated, so that a busy moment of the machine hits every subject alike.
    const samples: Record<string, number[]> = {
      empty: [],
      ...Object.fromEntries(built.map(({ logicalId }) => [logicalId, []])),
    };
    coldImport(empty, null);
    for (let run = 0; run < runs; run++) {
      samples.empty?.push(coldImport(empty, null).ms);
      for (const { logicalId, file, nodeOptions } of built) {
        const imported = coldImport(file, nodeOptions);
        if (imported.error) errors[logicalId] = `import: ${imported.error}`;
        samples[logicalId]?.push(imported.ms);
      }
    }
    const emptyImportMs = median(samples.empty ?? []);
    const coldImportMs: Record<string, number> = {};
    const coldImportRatio: Record<string, number> = {};
    for (const { logicalId } of built) {
      if (errors[logicalId]) continue;
      coldImportMs[logicalId] = median(samples[logicalId] ?? []);
      coldImportRatio[logicalId] = (coldImportMs[logicalId] ?? Number.NaN) / emptyImportMs;
    }
    return {
      bundleBytes,
      sourceMapBytes,
      coldImportMs,
      coldImportRatio,
      emptyImportMs,
      deployedAs,
      runs,
      samples,
      heaviestInputs,
      errors,
    };
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
}
