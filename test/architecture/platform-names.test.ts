/**
 * "A platform is a folder and one line" (issue 13, item 6): nothing in src/ outside src/channels/<platform>/ names a
 * platform, in code. Comments may (they explain the platform's rules); the registry line and the exceptions below
 * are listed with the reason each stays. A new platform then touches its folder and src/channels/platforms.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../../src/channels/platforms.js';

const root = path.resolve(import.meta.dirname, '../..');
const NAMES = /wecom|dingtalk|企业微信|钉钉/i;

/** folders that are a platform's own, or the local mode's (its fake platform servers and emulator) */
const OWN = [
  ...PLATFORMS.map((p) => `src/channels/${p.name}/`),
  'src/local/',
  // generated Prisma clients
  'src/generated/',
];

/** file → why it may name platforms in code */
const ALLOWED: Record<string, string> = {
  'src/channels/platforms.ts': 'the registry: one import and one list entry a platform',
  'src/channels/index.ts':
    'the channel factories: one import and one entry a platform (the descriptor cannot import them: config reads it)',
};

/** Code only: line comments, block comments and JSDoc lines are blanked, keeping line numbers. */
function codeLines(text: string): string[] {
  const noBlocks = text.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '));
  return noBlocks.split('\n').map((l) => l.replace(/(^|[^:'"`\\])\/\/.*$/, '$1'));
}

function sourcesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f).split(path.sep).join('/'));
}

describe('a platform is a folder and one line', () => {
  it('no code in src/ outside the platform folders names a platform', () => {
    const hits: string[] = [];
    for (const file of sourcesUnder('src')) {
      if (OWN.some((d) => file.startsWith(d)) || file in ALLOWED) continue;
      codeLines(fs.readFileSync(path.join(root, file), 'utf8')).forEach((line, i) => {
        if (NAMES.test(line)) hits.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(
      hits,
      'move these into src/channels/<platform>/ behind its descriptor, or list the file with a reason',
    ).toEqual([]);
  });

  it('the scan sees what it looks for: a platform name in code is found, one in a comment is not', () => {
    expect(codeLines("const p = 'wecom';").some((l) => NAMES.test(l))).toBe(true);
    expect(
      codeLines("// WeCom's rule\nconst x = 1; /* 钉钉 */\n/**\n * DingTalk\n */").some((l) => NAMES.test(l)),
    ).toBe(false);
    expect(codeLines("const u = 'https://oapi.dingtalk.com/x';").some((l) => NAMES.test(l))).toBe(true);
  });

  it('every allowed exception still exists and still needs its exception', () => {
    for (const file of Object.keys(ALLOWED)) {
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      expect(
        codeLines(text).some((l) => NAMES.test(l)),
        file,
      ).toBe(true);
    }
  });

  it('each platform folder has its descriptor, named after the folder, in the registry', () => {
    const folders = fs
      .readdirSync(path.join(root, 'src/channels'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(PLATFORMS.map((p) => p.name).sort()).toEqual(folders);
  });
});
