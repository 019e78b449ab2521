import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EscalationPublisher, WindowEventPublisher } from '../app/ports.ts';
import { WINDOW_EVENT_SOURCE } from '../domain/window-events.ts';
import { WatchdogError } from '../errors.ts';
import { escalationEventOf } from './escalation-event.ts';

/** PutEvents answered but did not take the event: the claim must stay pending. */
export class BusEventRejectedError extends WatchdogError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BusEventRejectedError';
  }
}

interface BusTarget {
  readonly client: EventBridgeClient;
  readonly eventBusName: string;
}

/**
 * Puts one event (source `cfn-watchdog`) on the bus. PutEvents reports a refused entry in its
 * answer rather than by throwing, so the answer is checked: a claim is marked sent only once the
 * bus took the event. `what` names the event in an error.
 */
async function putOne(
  { client, eventBusName }: BusTarget,
  { detailType, detail, resources, what }: { detailType: string; detail: object; resources?: string[]; what: string },
): Promise<void> {
  const answer = await client.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: eventBusName,
          Source: WINDOW_EVENT_SOURCE,
          DetailType: detailType,
          Detail: JSON.stringify(detail),
          ...(resources ? { Resources: resources } : {}),
        },
      ],
    }),
  );
  const entry = answer.Entries?.[0];
  if ((answer.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
    throw new BusEventRejectedError(
      `EventBridge bus '${eventBusName}' refused '${detailType}' for ${what}: ` +
        `${entry?.ErrorCode ?? 'no event id'} ${entry?.ErrorMessage ?? ''}`.trim(),
    );
  }
}

/**
 * Puts window events (Impact Window Opened/Closed) on an EventBridge bus.
 *
 * @example
 * const windowEvents = createEventBridgePublisher({ client: new EventBridgeClient({}), eventBusName: 'default' });
 */
export function createEventBridgePublisher(target: BusTarget): WindowEventPublisher {
  return {
    publish: (event) =>
      putOne(target, { detailType: event.detailType, detail: event.detail, what: event.detail.windowId }),
  };
}

/**
 * Puts pages as data (`Deployment Escalated`/`Resolved`, escalation-event.ts) on an EventBridge bus.
 *
 * @example
 * const escalations = createEscalationBusPublisher({ client, eventBusName: 'prod-watchdog-watchdog-events' });
 */
export function createEscalationBusPublisher(target: BusTarget): EscalationPublisher {
  return {
    async publish(notification) {
      const { detailType, detail } = escalationEventOf(notification);
      // The stack as the event's resource: an OpsItem created from it links to the stack.
      await putOne(target, {
        detailType,
        detail,
        resources: [detail.stackId],
        what: `${detail.severity} of ${detail.stackName} (${detail.dedupKey})`,
      });
    },
  };
}
