import type { WatchdogStore } from '../../shared/app/ports.ts';
import { freshStore } from './dynamodb.ts';

/** What a store's client is about to send: the command's name and its input. */
export interface OutgoingCommand {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

/**
 * {@link freshStore} whose real client passes every command through `intercept` first (a
 * middleware at the SDK boundary: nothing is mocked, the table is real). `intercept` may note
 * the command, or throw to inject a fault (throttling, a timeout) as if the SDK's own retries
 * had given up.
 *
 * @example
 * const { store } = await interceptedStore((command) => { if (command.name === 'PutItemCommand') throw throttled(); });
 */
export async function interceptedStore(
  intercept: (command: OutgoingCommand) => void,
): Promise<{ store: WatchdogStore }> {
  const { store, client } = await freshStore();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      intercept({ name: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'interceptCommands' },
  );
  return { store };
}

/** {@link freshStore} that notes the name of every command its client sends, to check request budgets. */
export async function countingStore(): Promise<{ store: WatchdogStore; requests: string[] }> {
  const requests: string[] = [];
  const { store } = await interceptedStore((command) => void requests.push(command.name));
  return { store, requests };
}
