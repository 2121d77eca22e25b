/**
 * Issue #13: the bot reaches data through the services facade (src/services/index.ts), never through a Db. The
 * import rule that says so runs in `npm run lint`; this runs the same rule from .dependency-cruiser.cjs over the real
 * src/ (no violation) and over a small tree with a bot module holding a Db (the rule names it), so the rule can fail.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { cruise, type IForbiddenRuleType } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const RULE = 'bot-never-reaches-the-database';
const root = path.resolve(import.meta.dirname, '../..');
const config = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as {
  forbidden: IForbiddenRuleType[];
};

async function violations(baseDir: string) {
  const r = await cruise(['src'], {
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden.filter((f) => f.name === RULE) },
    tsPreCompilationDeps: true,
    doNotFollow: { path: ['node_modules', '^src/generated/'] },
    exclude: { path: ['^src/generated/'] },
  });
  if (typeof r.output === 'string') throw new Error('expected a cruise result');
  return r.output.summary.violations.map((v) => `${v.from} → ${v.to}`);
}

describe(RULE, () => {
  it('is a rule of the lint', () => {
    expect(config.forbidden.map((f) => f.name)).toContain(RULE);
  });
  it('holds for src/bot', async () => {
    expect(await violations(root)).toEqual([]);
  }, 60_000);
  it('names a bot module that imports a Db, even as a type', async () => {
    expect(await violations(path.join(root, 'test/fixtures/layers'))).toEqual([
      'src/bot/holds-a-db.ts → src/db/client.ts',
    ]);
  }, 60_000);
});
