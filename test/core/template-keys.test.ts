/**
 * Template keys are checked at build: src/core/template-keys.ts lists templates/ (scripts/gen-template-keys.mjs),
 * render/card/say take only those keys, and every template file is rendered somewhere (or listed here with why).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CARD_TEMPLATE_KEYS, TEXT_TEMPLATE_KEYS } from '../../src/core/template-keys.js';
import { Templates } from '../../src/core/templates.js';

const root = path.resolve(import.meta.dirname, '../..');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f));
}

/** the code that renders: src/ without the generated list itself */
const sources = filesUnder(path.join(root, 'src'))
  .filter((f) => f.endsWith('.ts') && !f.includes(`${path.sep}generated${path.sep}`))
  .filter((f) => !f.endsWith(`core${path.sep}template-keys.ts`))
  .map((f) => fs.readFileSync(f, 'utf8'))
  .join('\n');

/** Keys rendered through a template literal: the prefix, and where (these are typed by the literal's union). */
const DYNAMIC: Record<string, string> = {
  claim_ask_: "src/bot/flows/claim.ts and bot.ts: claim_ask_ + the claim dialog's step",
};

/** Template files no code renders by key, each with why it stays. */
const NOT_RENDERED_BY_KEY: Record<string, string> = {};

describe('template keys', () => {
  it('the committed src/core/template-keys.ts is what the generator makes of templates/', () => {
    // exits 1 and says so when a template was added, renamed or removed without `npm run gen:templates`
    expect(() =>
      execFileSync(process.execPath, ['scripts/gen-template-keys.mjs', '--check'], { cwd: root, stdio: 'pipe' }),
    ).not.toThrow();
    expect([...TEXT_TEMPLATE_KEYS].sort()).toEqual(new Templates().keys().sort());
    const cards = fs
      .readdirSync(path.join(root, 'templates/cards'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''));
    expect([...CARD_TEMPLATE_KEYS].sort()).toEqual(cards.sort());
  });

  it('every template file is rendered by some code, or listed with why', () => {
    const dynamic = Object.keys(DYNAMIC);
    const unused = [...TEXT_TEMPLATE_KEYS, ...CARD_TEMPLATE_KEYS].filter(
      (k) =>
        !new RegExp(`['"\`]${k}['"\`]`).test(sources) &&
        !dynamic.some((p) => k.startsWith(p)) &&
        !(k in NOT_RENDERED_BY_KEY),
    );
    expect(unused, 'templates no code renders: delete them, or list them in NOT_RENDERED_BY_KEY').toEqual([]);
  });

  it('each dynamic prefix is really rendered through a template literal and names existing templates', () => {
    for (const prefix of Object.keys(DYNAMIC)) {
      expect(sources).toMatch(new RegExp(`(say|render)\\(\\s*\`${prefix}\\$\\{`));
      expect(TEXT_TEMPLATE_KEYS.filter((k) => k.startsWith(prefix)).length).toBeGreaterThan(1);
    }
  });
});
