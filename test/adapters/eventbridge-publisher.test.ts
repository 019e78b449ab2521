import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { dedupKeyOf, escalationEventOf } from '../../shared/adapters/escalation-event.ts';
import {
  BusEventRejectedError,
  createEscalationBusPublisher,
  createEventBridgePublisher,
} from '../../shared/adapters/eventbridge-publisher.ts';
import type { WindowEvent } from '../../shared/domain/window-events.ts';
import { notification } from '../support/notifications.ts';
import { seedWindowClosedDetail } from '../support/window-events.ts';

const eventBridge = mockClient(EventBridgeClient);

const closed: WindowEvent = { detailType: 'Impact Window Closed', detail: seedWindowClosedDetail() };

beforeEach(() => {
  eventBridge.reset();
});

describe('createEventBridgePublisher', () => {
  it(
    'puts one entry with source cfn-watchdog, the detail-type and the detail as JSON on the ' + 'configured bus',
    async () => {
      // Prepare
      eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'a1b2' }] });
      const publisher = createEventBridgePublisher({
        client: new EventBridgeClient({ region: 'eu-central-1' }),
        eventBusName: 'recovery',
      });

      // Act
      await publisher.publish(closed);

      // Assess
      expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
      expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
        Entries: [
          {
            EventBusName: 'recovery',
            Source: 'cfn-watchdog',
            DetailType: 'Impact Window Closed',
            Detail:
              '{"windowId":"123456789012#eu-central-1#trustsource-core#2021-09-21T19:09:00Z","revision":1,"service":"' +
              'trustsource-core","account":"123456789012","region":"eu-central-1","start":"2021-09-21T19:09:00Z","e' +
              'nd":"2021-09-21T20:07:00Z","peakSeverity":"FAILED","stacks":["trustsource-core-prod","trustsource-sc' +
              'an-prod","trustsource-scan-v2-prod"],"withdrawn":false}',
          },
        ],
      });
    },
  );

  it('throws, naming the bus, the window and the error code, when PutEvents answers with a failed entry', async () => {
    // Prepare: PutEvents reports a refused entry in a successful answer.
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    const publisher = createEventBridgePublisher({
      client: new EventBridgeClient({ region: 'eu-central-1' }),
      eventBusName: 'default',
    });

    // Act
    const failure = await publisher.publish(closed).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(BusEventRejectedError);
    expect((failure as Error).message).toBe(
      "EventBridge bus 'default' refused 'Impact Window Closed' for " +
        '123456789012#eu-central-1#trustsource-core#2021-09-21T19:09:00Z: InternalFailure try again',
    );
  });

  it('lets a throttled PutEvents throw, so the claim stays pending', async () => {
    // Prepare
    eventBridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const publisher = createEventBridgePublisher({
      client: new EventBridgeClient({ region: 'eu-central-1' }),
      eventBusName: 'default',
    });

    // Act
    const failure = await publisher.publish(closed).catch((error: unknown) => error);

    // Assess
    expect((failure as Error).name).toBe('ThrottlingException');
  });
});

describe('createEscalationBusPublisher', () => {
  it("puts a page as its event: source cfn-watchdog, its detail-type, the stack as the event's resource", async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'c3d4' }] });
    const publisher = createEscalationBusPublisher({
      client: new EventBridgeClient({ region: 'eu-central-1' }),
      eventBusName: 'prod-watchdog-watchdog-events',
    });
    const resolved = notification({ severity: 'RESOLVED' });

    // Act
    await publisher.publish(resolved);

    // Assess
    const entries = eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries);
    expect(entries).toEqual([
      [
        {
          EventBusName: 'prod-watchdog-watchdog-events',
          Source: 'cfn-watchdog',
          DetailType: 'Deployment Resolved',
          Detail: JSON.stringify(escalationEventOf(resolved).detail),
          Resources: [resolved.stackId],
        },
      ],
    ]);
    expect(JSON.parse(entries[0]?.[0]?.Detail ?? '{}')).toMatchObject({
      severity: 'RESOLVED',
      stackId: resolved.stackId,
    });
  });

  it('throws, naming the severity, the stack and the dedupKey, when PutEvents refuses the entry', async () => {
    // Prepare
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'denied' }] });
    const publisher = createEscalationBusPublisher({
      client: new EventBridgeClient({ region: 'eu-central-1' }),
      eventBusName: 'bus',
    });
    const warning = notification({ severity: 'WARNING' });

    // Act
    const failure = await publisher.publish(warning).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(BusEventRejectedError);
    expect((failure as Error).message).toBe(
      `EventBridge bus 'bus' refused 'Deployment Escalated' for WARNING of ${warning.stackName} ` +
        `(${dedupKeyOf(warning)}): AccessDeniedException denied`,
    );
  });
});
