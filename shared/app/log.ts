/**
 * The logging the use cases need. Powertools' Logger satisfies it in the Lambdas; the CLI
 * passes one that writes to stderr, tests one that records.
 */
export interface Log {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
}

export const silentLog: Log = { info: () => undefined, warn: () => undefined };
