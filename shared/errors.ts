/**
 * The two roots of every error this project throws on purpose, as Powertools' `errors.ts` does:
 * what the person or the input got wrong ({@link UserInputError}: the CLI's exit 2, the Lambda's
 * dead letter), and everything else the watchdog knows about ({@link WatchdogError}). A new error
 * class extends one of them, so that no caller needs a list of classes to decide what it means.
 */

/**
 * Something the watchdog cannot do anything with until a person changes it: a malformed event,
 * a bad flag, a configuration value, an unreadable file. Its message names the field or flag.
 *
 * @example
 * class ThresholdSpecError extends UserInputError {
 *   constructor(message: string, options?: ErrorOptions) {
 *     super(message, options);
 *     this.name = 'ThresholdSpecError';
 *   }
 * }
 */
export class UserInputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UserInputError';
  }
}

/**
 * A known failure that is not the input's fault: a conflict lost, stored data that does not
 * parse, a service that refused. Unknown errors (the SDK's, the runtime's) stay what they are.
 *
 * @example
 * class ConcurrentUpdateError extends WatchdogError {}
 */
export class WatchdogError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WatchdogError';
  }
}
