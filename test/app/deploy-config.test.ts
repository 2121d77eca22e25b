/**
 * The deployment passes every setting: each variable src/config.ts reads is in the README's configuration table, and
 * docker-compose.yml hands each of them to the migrate step and the app (only HUZHU_LOCAL, which production
 * refuses, is left out).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { channelSettingsSchemas } from '../../src/channels/settings.js';
import { ConfigSchema } from '../../src/config.js';
import { must } from '../../src/core/must.js';

const root = path.resolve(import.meta.dirname, '../..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const compose = fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');

/** the variables named in the first column of the README's configuration table */
function documented(): Set<string> {
  const section = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5),
  );
  const names = new Set<string>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `')))
    for (const m of must(line.split(' | ')[0], 'split gives at least one part').matchAll(/`([A-Z][A-Z0-9_]+)`/g))
      names.add(must(m[1], 'the name group always takes part'));
  return names;
}

/** the keys of the environment block every huzhu service of docker-compose.yml shares */
function composed(): Set<string> {
  const block = compose.slice(compose.indexOf('x-huzhu-env: &huzhu-env'), compose.indexOf('\nservices:'));
  return new Set(
    [...block.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => must(m[1], 'the name group always takes part')),
  );
}

describe('the configuration, documented and deployed', () => {
  const read = new Set([
    ...Object.keys(ConfigSchema.shape),
    ...channelSettingsSchemas.flatMap((s) => Object.keys(s.shape)),
  ]);

  it('documents every variable src/config.ts reads, and nothing it does not', () => {
    expect([...read].filter((k) => !documented().has(k))).toEqual([]);
    expect([...documented()].filter((k) => !read.has(k))).toEqual([]);
  });

  // the local mode's switch, the fault tests' crash points and the test-only per-member rate are refused in
  // production: the image never passes them
  const notForProduction = ['HUZHU_LOCAL', 'HUZHU_FAULT', 'WECOM_MEMBER_PER_MINUTE'];

  it('docker-compose.yml passes every documented variable but the local mode switch and the crash points', () => {
    const missing = [...documented()].filter((k) => !notForProduction.includes(k) && !composed().has(k));
    expect(missing).toEqual([]);
    for (const k of notForProduction) expect(composed().has(k)).toBe(false);
    expect(compose).toMatch(/migrate:[\s\S]*command: \["node", "dist\/cli\/index\.js", "db", "migrate"\]/);
    expect(compose).toMatch(/condition: service_completed_successfully/);
  });
});
