import type { Notification } from '../domain/notification.ts';
import type { Notifier, WindowEventPublisher } from '../app/ports.ts';
import type { WindowEvent } from '../domain/window-events.ts';

/** A notifier that keeps what it was given, in order: the replay's output and the tests' witness. */
export interface RecordingNotifier extends Notifier {
  readonly sent: readonly Notification[];
}

export function createRecordingNotifier(): RecordingNotifier {
  const sent: Notification[] = [];
  return {
    sent,
    async publish(notification) {
      sent.push(notification);
    },
  };
}

/** A window event publisher that keeps what it was given, in order. */
export interface RecordingWindowEvents extends WindowEventPublisher {
  readonly sent: readonly WindowEvent[];
}

export function createRecordingWindowEvents(): RecordingWindowEvents {
  const sent: WindowEvent[] = [];
  return {
    sent,
    async publish(event) {
      sent.push(event);
    },
  };
}
