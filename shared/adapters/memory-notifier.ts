import type { Notification } from '../domain/notification.ts';
import type { Notifier } from '../app/ports.ts';

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
