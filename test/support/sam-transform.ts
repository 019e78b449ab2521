/**
 * SAM's transform, offline, as cfn-lint runs it (scripts/sam-transform.py): the template tests
 * check what SAM generates (roles, permissions, the resource types CloudFormation or the
 * Serverless Application Repository receive), not only what template.yaml says.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from '../../scripts/build.ts';
import { parseTemplate, type CfnTemplate } from '../../scripts/cfn-template.ts';

/**
 * The template at `file` (relative to the repository) as SAM transforms it.
 *
 * @example
 * const deployed = transformed('template.yaml');
 * Object.values(deployed.Resources).map((resource) => resource.Type); // no AWS::Serverless::* left
 */
export function transformed(file: string): CfnTemplate {
  const run = spawnSync('python3', [join(REPO_ROOT, 'scripts/sam-transform.py'), join(REPO_ROOT, file)], {
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return parseTemplate(run.stdout, `${file} (transformed)`);
}
