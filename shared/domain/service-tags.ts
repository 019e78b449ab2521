/**
 * Which `cfn-watchdog:service` tags are honoured. The tag lets a stack's owner put it in any
 * service, another team's included (growing that service's state, opening its windows); an
 * allow-list per account bounds what the stacks of each account may name. A refused tag is not an
 * error: the stack is placed as if it had none (the name rules, else its own name).
 */
import { UserInputError } from '../errors.ts';
import { serviceOf, type ServiceRule } from './service.ts';

/** Stands for every account not listed on its own. */
export const ANY_ACCOUNT = '*';

/** `ACCOUNT=REGEX`: the service tags the stacks of ACCOUNT (a 12-digit id, or `*`) may carry. */
export interface AllowedServiceTag {
  readonly account: string;
  /** The expression as written; {@link pattern} is it anchored at both ends. */
  readonly source: string;
  readonly pattern: RegExp;
}

/** The allow-list, one entry per account at most. `null` in the configuration: every tag is honoured. */
export interface AllowedServiceTags {
  readonly entries: readonly AllowedServiceTag[];
}

export class AllowedServiceTagsError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AllowedServiceTagsError';
  }
}

const ACCOUNT = /^(\d{12}|\*)$/;
const EXAMPLE = 'e.g. 123456789012=payments|ledger;*=shared-.+';

/**
 * Parses one `ACCOUNT=REGEX` entry. The expression (ECMAScript) must match the whole tag value:
 * it is anchored here, so `pay` allows the tag `pay` only, not `payments`.
 *
 * @example
 * parseAllowedServiceTag('123456789012=payments|ledger').pattern; // /^(?:payments|ledger)$/
 */
export function parseAllowedServiceTag(text: string): AllowedServiceTag {
  const separator = text.indexOf('=');
  const account = text.slice(0, separator).trim();
  const source = text.slice(separator + 1).trim();
  if (separator < 0 || !ACCOUNT.test(account)) {
    throw new AllowedServiceTagsError(
      `allowed service tags entry '${text}': expected ACCOUNT=REGEX with ACCOUNT a 12-digit account id or *, ` +
        EXAMPLE,
    );
  }
  if (source === '') {
    throw new AllowedServiceTagsError(
      `allowed service tags entry '${text}': expected a regular expression after '=', ${EXAMPLE}`,
    );
  }
  try {
    return { account, source, pattern: new RegExp(`^(?:${source})$`) };
  } catch (error) {
    const problem = `'${source}' is not a valid regular expression`;
    throw new AllowedServiceTagsError(`allowed service tags entry '${text}': ${problem}`, { cause: error });
  }
}

/**
 * Parses the environment form: entries separated by newlines or `;` (a `;` inside an expression
 * is written `\x3b`); empty text is `null`, every tag honoured. An account listed twice is an
 * error: which entry wins would be a guess.
 *
 * @example
 * parseAllowedServiceTags(''); // null
 * parseAllowedServiceTags('123456789012=payments;*=shared')?.entries.length; // 2
 */
export function parseAllowedServiceTags(text: string): AllowedServiceTags | null {
  const entries = text
    .split(/[;\n]/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parseAllowedServiceTag);
  if (entries.length === 0) return null;
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.account)) {
      const problem = `account ${entry.account} has two entries; give one REGEX (use | inside it)`;
      throw new AllowedServiceTagsError(`allowed service tags: ${problem}`);
    }
    seen.add(entry.account);
  }
  return { entries };
}

/**
 * Whether a stack of `account` may carry the service tag `tag`: always without an allow-list;
 * with one, when the account's entry (else the `*` entry) matches the whole value. An account with
 * neither honours no tag.
 *
 * @example
 * serviceTagAllowed(parseAllowedServiceTags('*=shared'), '123456789012', 'payments'); // false
 */
export function serviceTagAllowed(allowed: AllowedServiceTags | null, account: string, tag: string): boolean {
  if (allowed === null) return true;
  const entry =
    allowed.entries.find((candidate) => candidate.account === account) ??
    allowed.entries.find((candidate) => candidate.account === ANY_ACCOUNT);
  return entry?.pattern.test(tag) ?? false;
}

/** Where a stack goes, and the service tag refused on the way (`null` when none was). */
export interface Placement {
  readonly service: string;
  readonly refusedTag: string | null;
}

/**
 * The service of a root stack: its service tag when one is set and allowed for its account, else
 * the first name rule that matches, else its name.
 *
 * @example
 * placedService({ stackName: 'pay-api', account: '123456789012' }, 'ledger', [], parseAllowedServiceTags('*=pay'));
 * // { service: 'pay-api', refusedTag: 'ledger' }
 */
export function placedService(
  stack: { readonly stackName: string; readonly account: string },
  serviceTag: string | null,
  rules: readonly ServiceRule[],
  allowed: AllowedServiceTags | null,
): Placement {
  if (serviceTag !== null && serviceTagAllowed(allowed, stack.account, serviceTag)) {
    return { service: serviceTag, refusedTag: null };
  }
  return { service: serviceOf(stack.stackName, rules), refusedTag: serviceTag };
}
