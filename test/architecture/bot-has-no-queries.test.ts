/**
 * Issue #13: flows call services, never Prisma. The import rules (npm run lint, .dependency-cruiser.cjs) keep the
 * bot from importing the generated clients or a Db (it gets services with the database bound, BotDeps.services);
 * this keeps a query out by its shape too — a model delegate call such as `db.member.findMany(` or a raw query
 * or transaction.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../src/bot');
const QUERY =
  /\b(?:db|tx)\??\.(?:[a-z][A-Za-z]+\.(?:find|create|update|delete|upsert|count|aggregate|groupBy)\w*|\$(?:transaction|queryRaw\w*|executeRaw\w*))\s*\(/;

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('src/bot', () => {
  it('makes no database query of its own', () => {
    const files = tsFiles(root);
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((f) =>
      fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => (QUERY.test(line) ? [`${path.relative(root, f)}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });

  it('the check sees a query when there is one', () => {
    expect(QUERY.test('  const m = await t.deps.db.member.findUniqueOrThrow({ where: { id } });')).toBe(true);
    expect(QUERY.test('  await db.$transaction(async (tx) => {')).toBe(true);
    expect(QUERY.test('  const r = await enrol(db, e, actor);')).toBe(false);
  });
});
