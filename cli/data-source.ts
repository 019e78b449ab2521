/**
 * Where a read command finds the watchdog's data: an embedded store on disk (`--db DIR`, what
 * `replay --db DIR` wrote), any DynamoDB endpoint (`--endpoint URL`), or the deployed table —
 * `--table NAME`, or `--watchdog-stack NAME` to read the table from the watchdog stack's
 * `TableName` output — with the normal AWS credential chain, `--aws-region` and `--profile`.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { createDynamoDbStore } from '../shared/adapters/dynamodb-store.ts';
import { localDynamoDbClient } from '../shared/adapters/embedded-dynamodb.ts';
import type { WatchdogStore } from '../shared/app/ports.ts';
import { parseUserInstant, type Clock, type Instant } from '../shared/domain/time.ts';
import { EMBEDDED_TABLE, lastChange, openStoreFolder } from './store-folder.ts';
import { dayStartIn } from './zoned-time.ts';
import { UserInputError } from '../shared/errors.ts';

/** The output of template.yaml that names the table. */
export const TABLE_NAME_OUTPUT = 'TableName';

export interface DataSourceFlags {
  db?: string;
  endpoint?: string;
  table?: string;
  /** The deployed cfn-watchdog stack, whose `TableName` output names the table. */
  watchdogStack?: string;
  region?: string;
  profile?: string;
}

/** The data is not where the flags say (no such table, no credentials, access denied): theirs to fix. */
export class DataSourceError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DataSourceError';
  }
}

export interface OpenStore {
  readonly store: WatchdogStore;
  /** Where the data is, for messages: "table 'X' in eu-central-1". */
  readonly describe: string;
  /** Says what a failed read means in terms of the flags: which table, where, which action. */
  explain(error: unknown): Error;
  /** A replayed store's last change, its own "now"; `undefined` for a table written as things happen. */
  readonly lastChange?: () => Promise<Instant | null>;
  close(): Promise<void>;
}

const USAGE =
  'say where the data is: one of --db DIR (what replay --db wrote), --table NAME or --watchdog-stack NAME (the ' +
  'deployed watchdog), or --endpoint URL [--table NAME | --watchdog-stack NAME]';

/**
 * Opens the store the flags name.
 *
 * @example
 * const source = await openStore({ db: './incident-db' });
 * try { await source.store.windowsOverlapping(query); } catch (error) { throw source.explain(error); } finally { await
 * source.close(); }
 */
export async function openStore(flags: DataSourceFlags): Promise<OpenStore> {
  const tableChoices = [flags.table, flags.watchdogStack].filter((value) => value !== undefined).length;
  const places = [flags.db, flags.endpoint].filter((value) => value !== undefined).length;
  if (
    tableChoices > 1 ||
    places > 1 ||
    (flags.db !== undefined && tableChoices > 0) ||
    (places === 0 && tableChoices === 0)
  ) {
    throw new DataSourceError(USAGE);
  }
  if (flags.db !== undefined) {
    const db = await openStoreFolder(flags.db);
    const client = db.client();
    const describe = `the store in ${flags.db}`;
    return {
      store: createDynamoDbStore({ client, tableName: EMBEDDED_TABLE }),
      describe,
      explain: (error) => explainError(error, EMBEDDED_TABLE, flags.db ?? ''),
      lastChange: () => lastChange(db),
      close: () => db.close(),
    };
  }
  if (flags.endpoint !== undefined) {
    const endpoint = endpointUrl(flags.endpoint);
    const client = localDynamoDbClient(endpoint, flags.region);
    const tableName =
      flags.watchdogStack === undefined
        ? (flags.table ?? EMBEDDED_TABLE)
        : await tableOfStack(
            new CloudFormationClient({
              endpoint,
              region: flags.region ?? 'us-east-1',
              credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
            }),
            flags.watchdogStack,
            endpoint,
          );
    return {
      store: createDynamoDbStore({ client, tableName }),
      describe: `table '${tableName}' at ${endpoint}`,
      explain: (error) => explainError(error, tableName, endpoint),
      close: async () => client.destroy(),
    };
  }
  const clientConfig = {
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
  };
  const client = new DynamoDBClient(clientConfig);
  const region = await client.config.region().catch(() => undefined);
  if (!region)
    throw new DataSourceError('no AWS region: pass --aws-region or set AWS_REGION (or a region in your AWS profile)');
  const tableName =
    flags.table ?? (await tableOfStack(new CloudFormationClient(clientConfig), flags.watchdogStack ?? '', region));
  return {
    store: createDynamoDbStore({ client, tableName }),
    describe: `table '${tableName}' in ${region}`,
    explain: (error) => explainError(error, tableName, region),
    close: async () => client.destroy(),
  };
}

/** What `DescribeStacks` says of the deployed watchdog stack: its id, outputs and parameters. */
export interface WatchdogStackDescription {
  readonly stackId: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly parameters: Readonly<Record<string, string>>;
}

/**
 * The deployed watchdog stack (`--watchdog-stack NAME`), with a {@link DataSourceError} naming the
 * flag when it is not found; destroys `client`.
 *
 * @example
 * const { outputs } = await describeWatchdogStack(new CloudFormationClient({}), 'cfn-watchdog', 'eu-central-1');
 */
export async function describeWatchdogStack(
  client: CloudFormationClient,
  stackName: string,
  where: string,
): Promise<WatchdogStackDescription> {
  try {
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks?.[0];
    return {
      stackId: stack?.StackId ?? '',
      outputs: Object.fromEntries((stack?.Outputs ?? []).map((out) => [out.OutputKey ?? '', out.OutputValue ?? ''])),
      parameters: Object.fromEntries(
        (stack?.Parameters ?? []).map((parameter) => [parameter.ParameterKey ?? '', parameter.ParameterValue ?? '']),
      ),
    };
  } catch (error) {
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message)) {
      throw new DataSourceError(
        `stack '${stackName}' not found in ${where} (--watchdog-stack names the deployed cfn-watchdog stack)`,
        { cause: error },
      );
    }
    throw explainError(error, stackName, where, 'cloudformation:DescribeStacks');
  } finally {
    client.destroy();
  }
}

/**
 * The output `name` of the watchdog stack, or a {@link DataSourceError} saying it is missing.
 *
 * @example
 * stackOutput(await describeWatchdogStack(client, 'cfn-watchdog', where), 'cfn-watchdog', where, 'TableName');
 */
export function stackOutput(stack: WatchdogStackDescription, stackName: string, where: string, name: string): string {
  const output = stack.outputs[name];
  if (!output) {
    throw new DataSourceError(
      `stack '${stackName}' in ${where} has no ${name} output: is it the cfn-watchdog stack (template.yaml)?`,
    );
  }
  return output;
}

/** The table the watchdog stack deployed, from its `TableName` output (DescribeStacks). */
async function tableOfStack(client: CloudFormationClient, stackName: string, where: string): Promise<string> {
  return stackOutput(await describeWatchdogStack(client, stackName, where), stackName, where, TABLE_NAME_OUTPUT);
}

/**
 * `--endpoint`'s value, checked: an http(s) URL.
 *
 * @example
 * endpointUrl('http://localhost:8000'); // 'http://localhost:8000'
 */
export function endpointUrl(flag: string): string {
  let url: URL | null = null;
  try {
    url = new URL(flag);
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new DataSourceError(`--endpoint: expected an http(s) URL such as http://localhost:8000, got '${flag}'`);
  }
  return flag;
}

/** Node's codes for an endpoint nothing answers at. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN']);

/**
 * A request to `endpoint` that found nobody there, said in one line; `null` for other errors.
 *
 * @example
 * throw unreachable(error, 'http://localhost:8000') ?? error;
 */
export function unreachable(error: unknown, endpoint: string): DataSourceError | null {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  if (!UNREACHABLE.has(code)) return null;
  return new DataSourceError(
    `nothing answers at ${endpoint} (${code}): is DynamoDB Local, dynalite or moto running there?`,
    { cause: error },
  );
}

/** `action` names the call for errors outside the table's reads, whose own messages name theirs. */
function explainError(error: unknown, resource: string, where: string, action?: string): Error {
  const unanswered = /^https?:/.test(where) ? unreachable(error, where) : null;
  if (unanswered) return unanswered;
  if (error instanceof ResourceNotFoundException)
    return new DataSourceError(`table '${resource}' not found in ${where}`, { cause: error });
  if (!(error instanceof Error)) return new Error(String(error));
  if (error.name === 'CredentialsProviderError')
    return new DataSourceError(`no AWS credentials: ${error.message}`, { cause: error });
  if (error.name === 'AccessDeniedException' || error.name === 'AccessDenied') {
    const what = action ? `${action} on '${resource}'` : `reading table '${resource}'`;
    return new DataSourceError(`access denied ${what} in ${where}: ${error.message}`, { cause: error });
  }
  return error;
}

/** "Now" for a read command, and what to say of it after the time it is printed as. */
export interface Now {
  readonly at: Instant;
  /** ` (the store's last change; --as-of to change)` when taken from the store; empty otherwise. */
  readonly note: string;
}

/**
 * "Now" as `--as-of` gives it (parsed at once, so a mistake is said before the store is
 * opened), else a replayed store's last change, else the clock: a deployed table is read as
 * things happen, a replayed history long after them.
 *
 * @example
 * const nowOf = readNow({ asOf: undefined }, Date.now);
 * const source = await openStore({ db: './seed-db' });
 * (await nowOf(source)).at; // 2021-09-21T20:07:00Z, the seed's last change
 */
export function readNow(
  flags: { readonly asOf?: string | undefined; readonly tz?: string | undefined },
  clock: Clock,
): (source: OpenStore) => Promise<Now> {
  const asOf = flags.asOf === undefined ? undefined : parseUserInstant(flags.asOf, '--as-of', dayStartIn(flags.tz));
  return async (source) => {
    if (asOf !== undefined) return { at: asOf, note: '' };
    const last = source.lastChange === undefined ? null : await source.lastChange();
    return last === null
      ? { at: clock(), note: '' }
      : { at: last, note: " (the store's last change; --as-of to change)" };
  };
}
