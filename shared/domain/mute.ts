/**
 * Quiet by design: stacks that never page (sandboxes, previews). A mute is an ECMAScript regular
 * expression searched in the stack's name and in its service's; a muted stack's operations are
 * still recorded, and its windows still open and close — only its notifications are not sent.
 */
import { UserInputError } from '../errors.ts';

export class MuteRuleError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MuteRuleError';
  }
}

/**
 * Parses one mute expression.
 *
 * @example
 * parseMute('^sandbox-'); // /^sandbox-/
 */
export function parseMute(text: string): RegExp {
  if (text.trim() === '')
    throw new MuteRuleError('mute: expected a regular expression, e.g. ^sandbox-, got an empty one');
  try {
    return new RegExp(text);
  } catch (error) {
    throw new MuteRuleError(`mute '${text}' is not a valid regular expression`, { cause: error });
  }
}

/** Parses the environment form: expressions separated by newlines or `;` (write a `;` inside one as `\x3b`). */
export function parseMutes(text: string): RegExp[] {
  return text
    .split(/[;\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parseMute);
}

/**
 * Whether a stack's notifications are muted: an expression matches its name or its service's.
 *
 * @example
 * isMuted([/^sandbox-/], 'sandbox-alice-api', 'api'); // true
 */
export function isMuted(mutes: readonly RegExp[], stackName: string, service: string): boolean {
  return mutes.some((mute) => mute.test(stackName) || mute.test(service));
}
