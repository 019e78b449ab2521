/**
 * `npm run build`: bundles every `AWS::Serverless::Function` of template.yaml whose
 * `Metadata.BuildMethod` is `esbuild`, with the options `sam build` derives from its
 * `Metadata.BuildProperties`, into `dist/<name>/` (`StackEventsFunction` → `dist/stack-events/`).
 *
 * template.yaml is the one place the options are written; this script only translates them.
 * SAM's esbuild builder runs `esbuild --bundle --platform=node --outdir=<artifacts> <entries>`
 * in a copy of the function's CodeUri, adds `--target=es2020`, `--format=cjs` and `--minify`
 * for the properties not given, then one flag per property: `Minify`/`Sourcemap` (`--minify`,
 * `--sourcemap` when true), `Target`/`Format`/`MainFields`/`SourcesContent` (`--x=value`) and
 * `External`/`Loader`/`OutExtension`/`Banner` (`--x:item` per list item). Below, each flag is
 * what esbuild's JS API takes for it. A property this script does not know is an error rather
 * than a bundle that differs from SAM's.
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { readTemplate, type CfnTemplate } from './cfn-template.ts';
import { UserInputError } from '../shared/errors.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A function's build settings in template.yaml, the script's input, are what a person must fix. */
export class BuildConfigError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BuildConfigError';
  }
}

/** One function to bundle, with the esbuild options SAM would use. */
export interface BundleTarget {
  readonly logicalId: string;
  /** `dist/<name>`: the logical id without `Function`, in kebab case. */
  readonly name: string;
  /** The function's CodeUri, absolute: where SAM runs esbuild. */
  readonly codeDir: string;
  readonly handler: string;
  readonly options: esbuild.BuildOptions & { outdir: string; entryPoints: string[] };
  /**
   * The `NODE_OPTIONS` Lambda starts Node.js with for this function (its Environment over the
   * Globals'), or `null`: how the bundle is loaded matters as much as what it holds.
   */
  readonly nodeOptions: string | null;
}

export interface BuiltBundle {
  readonly logicalId: string;
  readonly outdir: string;
  /** The file Lambda loads for the function's Handler, e.g. `<outdir>/handler.mjs`. */
  readonly handlerFile: string;
  readonly files: string[];
}

/** `StackEventsFunction` → `stack-events`. */
export function bundleName(logicalId: string): string {
  return logicalId
    .replace(/Function$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

const KNOWN_PROPERTIES = new Set([
  'EntryPoints',
  'Minify',
  'Sourcemap',
  'Target',
  'Format',
  'MainFields',
  'SourcesContent',
  'External',
  'Loader',
  'OutExtension',
  'Banner',
]);

function stringList(properties: Record<string, unknown>, key: string, where: string): string[] | undefined {
  const value = properties[key];
  if (value === undefined) return undefined;
  // SAM rejects a property of this kind that is not a list.
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new BuildConfigError(`${where}: BuildProperties.${key} must be a list of strings`);
  }
  return value;
}

/** `--x:key=value` items as esbuild's JS API takes them: `{ key: value }`. */
function keyValues(items: string[], key: string, where: string): Record<string, string> {
  return Object.fromEntries(
    items.map((item) => {
      const separator = item.indexOf('=');
      if (separator <= 0)
        throw new BuildConfigError(`${where}: BuildProperties.${key} item '${item}' is not KEY=VALUE`);
      return [item.slice(0, separator), item.slice(separator + 1)];
    }),
  );
}

/** A `--x=value` flag's value as the CLI reads it (the CLI splits lists on commas). */
function single(properties: Record<string, unknown>, key: string): string | undefined {
  const value = properties[key];
  return value === undefined ? undefined : String(value);
}

/**
 * The esbuild options `sam build` derives from one function's `BuildProperties`, for a bundle
 * written to `outdir`; entry points are resolved against `codeDir` (the CodeUri), as SAM does.
 */
export function esbuildOptions(
  buildProperties: Record<string, unknown>,
  { codeDir, outdir, where = 'function' }: { codeDir: string; outdir: string; where?: string },
): BundleTarget['options'] {
  const unknown = Object.keys(buildProperties).filter((key) => !KNOWN_PROPERTIES.has(key));
  if (unknown.length > 0) {
    throw new BuildConfigError(
      `${where}: scripts/build.ts does not translate BuildProperties ${unknown.join(', ')}; add it the way SAM's ` +
        `esbuild builder passes it`,
    );
  }
  const entries = stringList(buildProperties, 'EntryPoints', where);
  if (!entries || entries.length === 0)
    throw new BuildConfigError(`${where}: BuildProperties.EntryPoints must not be empty`);
  const entryPoints = entries.map((entry) => {
    // An entry without an extension is looked up as .ts, then .js.
    const candidates = extname(entry) ? [entry] : [`${entry}.ts`, `${entry}.js`];
    const found = candidates.find((candidate) => existsSync(resolve(codeDir, candidate)));
    if (!found) throw new BuildConfigError(`${where}: entry point ${resolve(codeDir, entry)} does not exist`);
    return found;
  });

  const target = single(buildProperties, 'Target') ?? 'es2020';
  const format = single(buildProperties, 'Format') ?? 'cjs';
  if (format !== 'cjs' && format !== 'esm' && format !== 'iife') {
    throw new BuildConfigError(`${where}: BuildProperties.Format '${format}' is not cjs, esm or iife`);
  }
  const options: BundleTarget['options'] = {
    absWorkingDir: codeDir,
    entryPoints,
    bundle: true,
    platform: 'node',
    outdir,
    target: target.split(','),
    format,
    // Minify is on unless the property is there; when there, only `true` turns it on.
    minify: 'Minify' in buildProperties ? buildProperties.Minify === true : true,
    sourcemap: buildProperties.Sourcemap === true,
    logLevel: 'warning',
  };
  const mainFields = single(buildProperties, 'MainFields');
  if (mainFields !== undefined) options.mainFields = mainFields.split(',');
  const sourcesContent = single(buildProperties, 'SourcesContent');
  if (sourcesContent !== undefined) options.sourcesContent = sourcesContent.toLowerCase() !== 'false';
  const external = stringList(buildProperties, 'External', where);
  if (external) options.external = external;
  const loader = stringList(buildProperties, 'Loader', where);
  if (loader) options.loader = keyValues(loader, 'Loader', where) as Record<string, esbuild.Loader>;
  const outExtension = stringList(buildProperties, 'OutExtension', where);
  if (outExtension) options.outExtension = keyValues(outExtension, 'OutExtension', where);
  const banner = stringList(buildProperties, 'Banner', where);
  if (banner) options.banner = keyValues(banner, 'Banner', where);
  return options;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** SAM's own addition to a function built with `Sourcemap: true` (aws-sam-cli's build context). */
const ENABLE_SOURCE_MAPS = '--enable-source-maps';

/**
 * A function's `NODE_OPTIONS` as deployed: its own Environment.Variables over the Globals' (SAM
 * merges the maps), and `--enable-source-maps` added when its BuildProperties say `Sourcemap: true`
 * and the flag is not there yet, as `sam build` does: then Node.js parses the map at every cold start.
 */
export function nodeOptionsOf(
  globals: Record<string, unknown>,
  properties: Record<string, unknown>,
  buildProperties: Record<string, unknown>,
): string | null {
  const variables = (source: Record<string, unknown>): Record<string, unknown> =>
    record(record(source.Environment).Variables);
  const value = { ...variables(globals), ...variables(properties) }.NODE_OPTIONS;
  const written = typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
  if (buildProperties.Sourcemap !== true || written?.split(/\s+/).includes(ENABLE_SOURCE_MAPS)) return written;
  return written === null ? ENABLE_SOURCE_MAPS : `${written} ${ENABLE_SOURCE_MAPS}`;
}

/** Every esbuild-built function of the template, with its options. */
export function bundleTargets(
  template: CfnTemplate,
  { root, outRoot }: { root: string; outRoot: string },
): BundleTarget[] {
  const globals = record(template.Globals?.Function);
  return Object.entries(template.Resources).flatMap(([logicalId, resource]): BundleTarget[] => {
    if (resource.Type !== 'AWS::Serverless::Function' || resource.Metadata?.BuildMethod !== 'esbuild') return [];
    const properties = { ...globals, ...resource.Properties };
    const where = `template.yaml ${logicalId}`;
    if (typeof properties.CodeUri !== 'string') throw new BuildConfigError(`${where}: CodeUri must be a local path`);
    if (typeof properties.Handler !== 'string') throw new BuildConfigError(`${where}: Handler must be a string`);
    const codeDir = resolve(root, properties.CodeUri);
    const name = bundleName(logicalId);
    const outdir = join(outRoot, name);
    const buildProperties = record(resource.Metadata.BuildProperties);
    return [
      {
        logicalId,
        name,
        codeDir,
        handler: properties.Handler,
        options: esbuildOptions(buildProperties, { codeDir, outdir, where }),
        nodeOptions: nodeOptionsOf(globals, record(resource.Properties), buildProperties),
      },
    ];
  });
}

/**
 * The file Lambda loads for the function's Handler.
 *
 * @example
 * handlerFile(target); // 'handler.handler' with OutExtension .js=.mjs → '<outdir>/handler.mjs'
 */
export function handlerFile(target: BundleTarget): string {
  const module = target.handler.slice(0, target.handler.lastIndexOf('.'));
  const extension = target.options.outExtension?.['.js'] ?? '.js';
  return join(target.options.outdir, `${module}${extension}`);
}

/**
 * Bundles every esbuild-built function of the template into `outRoot/<name>/` (emptied first).
 * Fails if the bundle lacks the file the function's Handler names.
 */
export async function build({
  root = REPO_ROOT,
  template = 'template.yaml',
  outRoot = join(root, 'dist'),
  sourcemap = false,
}: {
  root?: string;
  template?: string;
  outRoot?: string;
  /**
   * A source map beside each bundle, to read a stack trace of the deployed code: the same bundle
   * byte for byte, but for its last line naming the map (esbuild maps in the same pass it emits).
   */
  sourcemap?: boolean;
} = {}): Promise<BuiltBundle[]> {
  const targets = bundleTargets(readTemplate(resolve(root, template)), { root, outRoot: resolve(root, outRoot) });
  if (targets.length === 0)
    throw new BuildConfigError(`${template}: no AWS::Serverless::Function with Metadata.BuildMethod esbuild`);
  return Promise.all(
    targets.map(async (target) => {
      rmSync(target.options.outdir, { recursive: true, force: true });
      const result = await esbuild.build({
        ...target.options,
        ...(sourcemap ? { sourcemap: true } : {}),
        metafile: true,
      });
      const files = Object.keys(result.metafile.outputs).map((file) => resolve(target.codeDir, file));
      const expected = handlerFile(target);
      if (!files.includes(expected)) {
        throw new BuildConfigError(
          `${target.logicalId}: Handler '${target.handler}' needs ${expected}, but esbuild wrote ${files.join(', ')}`,
        );
      }
      return { logicalId: target.logicalId, outdir: target.options.outdir, handlerFile: expected, files };
    }),
  );
}

async function main(args: readonly string[]): Promise<void> {
  const unknown = args.filter((arg) => arg !== '--sourcemap');
  if (unknown.length > 0)
    throw new BuildConfigError(`unknown argument ${unknown.join(' ')}; the only one is --sourcemap`);
  const bundles = await build({ sourcemap: args.includes('--sourcemap') });
  for (const bundle of bundles) {
    for (const file of bundle.files) {
      const kib = (statSync(file).size / 1024).toFixed(1);
      console.log(`${bundle.logicalId.padEnd(22)} ${relative(process.cwd(), file).padEnd(36)} ${kib.padStart(8)} KiB`);
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
