/**
 * The project's own documentation: every relative link resolves inside the repository (users
 * have no `../shared`), to a heading that exists; the README stays a short introduction; the
 * replay output schema published in docs/ is the contract's.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedPath } from './support/shared-files.ts';

/** Folders whose Markdown is not the project's own: dependencies, and the vendored copy of ../shared. */
const NOT_OURS = new Set(['node_modules', '.git', '.aws-sam', 'dist', path.join('test', 'fixtures', 'shared')]);

function markdownFiles(folder: string): string[] {
  return readdirSync(path.join(REPO_ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(folder, entry.name);
    if (entry.isDirectory()) return NOT_OURS.has(relative) || NOT_OURS.has(entry.name) ? [] : markdownFiles(relative);
    return entry.name.endsWith('.md') ? [relative] : [];
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

function anchorsOf(file: string): Set<string> {
  let fenced = false;
  const anchors = new Set<string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line);
    if (heading?.[1]) anchors.add(slug(heading[1]));
  }
  return anchors;
}

/** Relative links of a Markdown file, code spans and fences left out. */
function linksOf(file: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8')
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z]+:/i.test(target));
}

const files = markdownFiles('.');

describe('the documentation', () => {
  it('has Markdown to check (README, docs/, bench/, events/)', () => {
    expect(files).toEqual(
      expect.arrayContaining(['README.md', path.join('docs', 'cli.md'), path.join('bench', 'README.md')]),
    );
  });

  it.each(files)('%s links only to files and headings inside the repository', (file) => {
    // Act
    const broken = linksOf(file).flatMap((target) => {
      const [target_path = '', anchor] = target.split('#');
      const resolved =
        target_path === '' ? path.join(REPO_ROOT, file) : path.resolve(REPO_ROOT, path.dirname(file), target_path);
      if (!resolved.startsWith(`${REPO_ROOT}${path.sep}`)) return [`${target} (outside the repository)`];
      let exists = true;
      try {
        statSync(resolved);
      } catch {
        exists = false;
      }
      if (!exists) return [`${target} (no such file)`];
      if (anchor && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor))
        return [`${target} (no such heading)`];
      return [];
    });

    // Assess
    expect(broken).toEqual([]);
  });

  it('keeps the README a short introduction: at most 15 KB', () => {
    expect(statSync(path.join(REPO_ROOT, 'README.md')).size).toBeLessThanOrEqual(15_000);
  });

  it("publishes the contract's replay output schema in docs/, extended only by optional fields of its own", () => {
    // The contract's own when ../shared is there, else its vendored copy (checked against it in shared-files.test.ts).
    const contract: unknown = JSON.parse(readFileSync(sharedPath('contracts', 'replay-output.schema.json'), 'utf8'));
    const published: unknown = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'docs', 'replay-output.schema.json'), 'utf8'),
    );

    // Assess: every keyword of the contract is there unchanged, but an object's `properties` may
    // name more (optional: `required` is the contract's); what was added is listed.
    const added: string[] = [];
    const expectExtends = (mine: unknown, theirs: unknown, where: string): void => {
      if (typeof theirs !== 'object' || theirs === null || Array.isArray(theirs)) {
        expect(mine, where).toEqual(theirs);
        return;
      }
      expect(typeof mine === 'object' && mine !== null && !Array.isArray(mine), where).toBe(true);
      const ours = mine as Record<string, unknown>;
      for (const [key, value] of Object.entries(theirs)) {
        if (key === 'properties') {
          const extra = Object.keys(ours.properties as object).filter((name) => !(name in (value as object)));
          added.push(...extra.map((name) => `${where}.${name}`));
          for (const [name, inner] of Object.entries(value as object))
            expectExtends((ours.properties as Record<string, unknown>)[name], inner, `${where}.${name}`);
        } else expectExtends(ours[key], value, `${where}/${key}`);
      }
      expect(
        Object.keys(ours).filter((key) => !(key in theirs)),
        where,
      ).toEqual([]);
    };
    expectExtends(published, contract, '$');
    expect(added.sort()).toEqual(['$.escalationEvents', '$.notifications/items.threshold']);
  });
});
