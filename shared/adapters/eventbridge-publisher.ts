import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { WindowEventPublisher } from '../app/ports.ts';
import { WINDOW_EVENT_SOURCE } from '../domain/window-events.ts';
import { WatchdogError } from '../errors.ts';

/** PutEvents answered but did not take the event: the claim must stay pending. */
export class WindowEventRejectedError extends WatchdogError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WindowEventRejectedError';
  }
}

/**
 * Puts window events on an EventBridge bus (source `cfn-watchdog`). PutEvents reports a refused
 * entry in its answer rather than by throwing, so the answer is checked: the claim is marked
 * sent only once the bus took the event.
 *
 * @example
 * const windowEvents = createEventBridgePublisher({ client: new EventBridgeClient({}), eventBusName: 'default' });
 */
export function createEventBridgePublisher({
  client,
  eventBusName,
}: {
  client: EventBridgeClient;
  eventBusName: string;
}): WindowEventPublisher {
  return {
    async publish(event) {
      const answer = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: eventBusName,
              Source: WINDOW_EVENT_SOURCE,
              DetailType: event.detailType,
              Detail: JSON.stringify(event.detail),
            },
          ],
        }),
      );
      const entry = answer.Entries?.[0];
      if ((answer.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
        throw new WindowEventRejectedError(
          `EventBridge bus '${eventBusName}' refused '${event.detailType}' for ${event.detail.windowId}: ` +
            `${entry?.ErrorCode ?? 'no event id'} ${entry?.ErrorMessage ?? ''}`.trim(),
        );
      }
    },
  };
}
