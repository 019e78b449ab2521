/**
 * `npm run build:cli`, also run by `prepare` on every `npm install` and `npm ci` of a clone:
 * bundles the `cfn-watchdog` command (cli/main.ts and all it imports) into one ES module,
 * dist/cli.mjs, and lists the files of the repository it was built from in dist/cli-inputs.json.
 *
 * cli/bin.js runs the bundle only while it is newer than every file on that list and
 * CFN_WATCHDOG_DEV is unset; otherwise it compiles the sources through tsx as it goes, so that
 * what runs is always what is checked out (cli/bin.js says why).
 */
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const CLI_BUNDLE = 'dist/cli.mjs';
export const CLI_INPUTS = 'dist/cli-inputs.json';

/**
 * Left to node_modules at run time. dynalite (replay's store, and `--db`) reaches LevelDB's
 * native binding through classic-level, which node-gyp-build finds by a path computed from
 * its own file's location, and embedded-dynamodb.ts resolves dynalite's own copy of `level`
 * from dynalite's location: both break once moved into a bundle.
 */
export const CLI_EXTERNAL = ['dynalite'];

/**
 * Not in the bundle but read by bin.js's freshness check: a dependency installed or upgraded
 * changes the lock file. node_modules itself cannot tell: npm gives every file it unpacks the
 * same old mtime.
 */
const ALSO_INPUTS = ['package-lock.json'];

// The bundled CommonJS packages (commander, cli-table3, the AWS SDK's) call require() for Node's
// own modules, which an ES module has not: the banner the Lambda bundles use (template.yaml).
const BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export interface BuiltCli {
  /** dist/cli.mjs, absolute. */
  readonly bundle: string;
  /** The repository's files it was built from, relative to the root, as dist/cli-inputs.json lists them. */
  readonly inputs: readonly string[];
}

/** Writes FILE whole or not at all: a command started during a build reads the old bundle or the new one. */
function writeAtomically(file: string, contents: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

/** Bundles cli/main.ts into ROOT/dist/cli.mjs and writes dist/cli-inputs.json beside it. */
export async function buildCli({ root = REPO_ROOT }: { root?: string } = {}): Promise<BuiltCli> {
  const bundle = join(root, CLI_BUNDLE);
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['cli/main.ts'],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: CLI_EXTERNAL,
    banner: { js: BANNER },
    // The modules' top-level code runs on every start; minified, there is less of it to parse.
    minify: true,
    legalComments: 'none',
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  const inputs = [
    ...Object.keys(result.metafile.inputs).filter((input) => !input.split('/').includes('node_modules')),
    ...ALSO_INPUTS,
  ].sort();
  const output = result.outputFiles.find((file) => file.path === bundle);
  if (output === undefined)
    throw new Error(`esbuild wrote ${result.outputFiles.map((file) => file.path).join(', ')}, not ${bundle}`);
  mkdirSync(dirname(bundle), { recursive: true });
  // The list first: bin.js reads the bundle only when both are there.
  writeAtomically(join(root, CLI_INPUTS), `${JSON.stringify(inputs, null, 2)}\n`);
  writeAtomically(bundle, output.contents);
  return { bundle, inputs };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  buildCli()
    .then(({ bundle, inputs }) => {
      const kib = (statSync(bundle).size / 1024).toFixed(1);
      console.log(`${relative(process.cwd(), bundle)}  ${kib} KiB  (from ${inputs.length} files of the repository)`);
    })
    .catch((error: unknown) => {
      console.error(`build:cli failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    });
}
