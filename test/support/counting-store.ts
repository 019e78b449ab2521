import type { WatchdogStore } from '../../shared/app/ports.ts';
import { freshStore } from './dynamodb.ts';

/**
 * {@link freshStore} whose client notes the name of every command it sends (a middleware on the
 * real client: nothing is mocked), to check request budgets.
 */
export async function countingStore(): Promise<{ store: WatchdogStore; requests: string[] }> {
  const { store, client } = await freshStore();
  const requests: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      requests.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { store, requests };
}
