/**
 * What a stack's events do not say but the rules need: the service its `cfn-watchdog:service` tag
 * names, whether its `cfn-watchdog:mute` tag silences it, and, for a nested stack, its root. The
 * deployed functions read them with DescribeStacks (Tags, RootId); a replay reads nesting from the
 * root's own events (its `AWS::CloudFormation::Stack` resources name their stacks' ARNs).
 */
import { parseStackArn, type ResourceStatusEvent, type StackRef } from './events.ts';

export const SERVICE_TAG = 'cfn-watchdog:service';
export const MUTE_TAG = 'cfn-watchdog:mute';

/** The resource type of a nested stack in its parent's template. */
export const NESTED_STACK_TYPE = 'AWS::CloudFormation::Stack';

export interface StackFacts {
  /** The `cfn-watchdog:service` tag's value, or `null` when the stack has none. */
  readonly serviceTag: string | null;
  /** Its `cfn-watchdog:mute` tag silences it (see {@link muteTagSilences}). */
  readonly mutedByTag: boolean;
  /** For a nested stack, the id (ARN) of its root stack; `null` for a root. */
  readonly rootStackId: string | null;
}

export const NO_FACTS: StackFacts = { serviceTag: null, mutedByTag: false, rootStackId: null };

/** The facts a service's state keeps per stack: only those that change what its operations do. */
export interface KeptStackFacts {
  readonly stackId: string;
  readonly mutedByTag: boolean;
  readonly rootStackId: string | null;
}

/**
 * Whether a `cfn-watchdog:mute` tag's value silences its stack: any value but `false` (so that a
 * reason can be the value, e.g. `sandbox, until 2026-12-31`); an absent tag never does.
 *
 * @example
 * muteTagSilences('true'); // true
 * muteTagSilences('False'); // false
 */
export function muteTagSilences(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() !== 'false';
}

/**
 * The nested stack a parent's resource is: an `AWS::CloudFormation::Stack` whose physical id is
 * another stack's ARN; `null` for any other resource.
 *
 * @example
 * nestedStackOf({ resourceType: 'AWS::CloudFormation::Stack', physicalResourceId: nestedArn }, rootArn)?.stackName;
 */
export function nestedStackOf(
  resource: { readonly resourceType: string; readonly physicalResourceId: string },
  parentStackId: string,
): StackRef | null {
  if (resource.resourceType !== NESTED_STACK_TYPE || resource.physicalResourceId === parentStackId) return null;
  return parseStackArn(resource.physicalResourceId);
}

/**
 * The root of each nested stack named by the events: a parent's `AWS::CloudFormation::Stack`
 * resource carries its nested stack's ARN as physical id; chains are followed to the top.
 *
 * @example
 * rootsFromEvents(events).get(nestedStackArn); // the root stack's ARN
 */
export function rootsFromEvents(events: Iterable<ResourceStatusEvent>): Map<string, string> {
  const parents = new Map<string, string>();
  for (const event of events) {
    const child = nestedStackOf(event, event.stackId);
    if (child) parents.set(child.stackId, event.stackId);
  }
  const roots = new Map<string, string>();
  for (const child of parents.keys()) {
    let root = child;
    // A cycle cannot come from CloudFormation; the bound only keeps a forged input from looping.
    for (let hops = 0; hops <= parents.size; hops++) {
      const parent = parents.get(root);
      if (parent === undefined) break;
      root = parent;
    }
    roots.set(child, root);
  }
  return roots;
}
