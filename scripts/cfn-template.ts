/**
 * Reads a CloudFormation/SAM template written in YAML, short-form intrinsics included. Each
 * `!Name` tag becomes the long form CloudFormation itself gives it (`!Ref X` → `{ Ref: 'X' }`,
 * `!Sub s` → `{ 'Fn::Sub': s }`, `!GetAtt A.B` → `{ 'Fn::GetAtt': ['A', 'B'] }`), whether the
 * tagged value is a scalar, a sequence or a mapping; nothing is resolved.
 */
import { readFileSync } from 'node:fs';
import { parseDocument, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';
import { UserInputError } from '../shared/errors.ts';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface CfnTemplate {
  readonly Resources: Record<string, CfnResource>;
  readonly Parameters?: Record<string, Record<string, unknown>>;
  readonly Conditions?: Record<string, unknown>;
  readonly Globals?: Record<string, Record<string, unknown>>;
  readonly Outputs?: Record<string, Record<string, unknown>>;
  readonly Metadata?: Record<string, unknown>;
  readonly [section: string]: unknown;
}

/** template.yaml is the input here, and a person fixes it: hence a UserInputError. */
export class TemplateError extends UserInputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TemplateError';
  }
}

/** The short forms CloudFormation's YAML accepts. */
export const SHORT_FORMS = [
  'Ref',
  'Sub',
  'GetAtt',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'Select',
  'Join',
  'Split',
  'FindInMap',
  'ImportValue',
  'Condition',
  'Base64',
  'Cidr',
  'GetAZs',
] as const;

type ShortForm = (typeof SHORT_FORMS)[number];

function longForm(name: ShortForm, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

function intrinsicTags(): Array<ScalarTag | CollectionTag> {
  return SHORT_FORMS.flatMap((name): Array<ScalarTag | CollectionTag> => {
    const scalar: ScalarTag = { tag: `!${name}`, resolve: (value) => longForm(name, value) };
    const collection = (kind: 'seq' | 'map'): CollectionTag => ({
      tag: `!${name}`,
      collection: kind,
      resolve: (node: YAMLMap.Parsed | YAMLSeq.Parsed) => longForm(name, node.toJSON()),
    });
    return [scalar, collection('seq'), collection('map')];
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses a template's text; any YAML error or warning (an unknown tag among them) is a
 * {@link TemplateError} naming where it is.
 */
export function parseTemplate(text: string, source = 'template'): CfnTemplate {
  const document = parseDocument(text, { customTags: intrinsicTags(), prettyErrors: true, uniqueKeys: true });
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) {
    throw new TemplateError(`${source}: ${problems.map((problem) => problem.message).join('; ')}`);
  }
  const template: unknown = document.toJS({ maxAliasCount: 100 });
  if (!isRecord(template) || !isRecord(template.Resources)) {
    throw new TemplateError(`${source}: expected a mapping with a Resources section`);
  }
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (!isRecord(resource) || typeof resource.Type !== 'string') {
      throw new TemplateError(`${source}: resource ${logicalId} has no Type`);
    }
  }
  return template as CfnTemplate;
}

/** Reads and parses a template file. */
export function readTemplate(path: string): CfnTemplate {
  return parseTemplate(readFileSync(path, 'utf8'), path);
}
