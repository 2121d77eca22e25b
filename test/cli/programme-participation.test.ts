/**
 * Issue 15 item 7 from the office's own files: the organisations file's 参加医保人数 (the region's basic-insurance
 * headcount), 改制或关停并转 and 违反入口规定 columns, applied through `huzhu programme apply`: stored, audited as a
 * change, re-applying changes nothing, and a wrong cell is named by row and column with nothing written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { freshDb, type TestDb } from '../support/db.js';
import { tmpFile } from '../support/roster-files.js';

const ORGS = path.resolve(import.meta.dirname, '../fixtures/programmes/hainan-2/organisations.csv');
const NEW_COLUMNS = ['参加医保人数', '改制或关停并转', '违反入口规定'];

/** the fixture's own lines for these units (so nothing else changes), with the three new cells appended */
function csv(cells: Record<string, [string, string, string]>): string {
  const lines = fs
    .readFileSync(ORGS, 'utf8')
    .replace(/^\uFEFF/, '')
    .replace(/\r/g, '')
    .trimEnd()
    .split('\n');
  const out = [`${lines[0]},${NEW_COLUMNS.join(',')}`];
  for (const [code, extra] of Object.entries(cells)) {
    const line = lines.find((l) => l.startsWith(`${code},`));
    if (!line) throw new Error(`no unit ${code} in the fixture`);
    out.push(`${line},${extra.join(',')}`);
  }
  const f = tmpFile('participation.csv');
  fs.writeFileSync(f, `${out.join('\n')}\n`);
  return f;
}

describe('the entry-rule columns of the organisations file', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb('sqlite');
    const r = await cli(t.url, 'programme', 'apply', ORGS);
    expect(r.code, r.err).toBe(0);
  });
  afterAll(() => t.drop());

  it('sets the headcount and the flags, audited; the same file again changes nothing', async () => {
    const file = csv({ 'HN-13': ['310000', '', ''], 'HN-HK-U1': ['', '是', '否'] });
    const r = await cli(t.url, 'programme', 'apply', file);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('新增 0，变更 2');
    expect(r.out).toContain('参加医保人数 （空） → 310000');
    expect(r.out).toContain('改制或关停并转 否 → 是');
    expect(await t.db.org.findUniqueOrThrow({ where: { code: 'HN-13' } })).toMatchObject({
      insuredHeadcount: 310000,
      restructured: false,
    });
    expect(await t.db.org.findUniqueOrThrow({ where: { code: 'HN-HK-U1' } })).toMatchObject({
      restructured: true,
      entryBreach: false,
    });
    expect(await t.db.auditLog.count({ where: { action: 'org.update', subjectId: 'HN-HK-U1' } })).toBe(1);
    const again = await cli(t.url, 'programme', 'apply', file);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain('变更 0');
  });

  it('a restructured unit’s roster is refused while its office is below the ratio; not restructured, it is taken', async () => {
    const dir = path.dirname(ORGS);
    for (const f of ['period.csv', 'people.csv']) {
      const r = await cli(t.url, 'programme', 'apply', path.join(dir, f));
      expect(r.code, r.err).toBe(0);
    }
    const roster = path.join(dir, 'roster.csv');
    const unit = await t.db.org.findUniqueOrThrow({ where: { code: 'HN-HK-U1' } });
    const before = await t.db.member.count({ where: { unitId: unit.id } }); // the people file's rep
    // HN-13 has 310 000 insured and no participants yet: 0 % of Hainan's 40 %
    const refused = await cli(t.url, 'roster', 'import', roster, '--period', '2', '--unit', 'HN-HK-U1');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('海口市演示单位工会属改制或关停并转企业');
    expect(refused.err).toContain('未达到参加基本医疗保险人数的 40%');
    expect(refused.err).toContain('暂不能吸收其职工参加第二期');
    expect(await t.db.member.count({ where: { unitId: unit.id } })).toBe(before);
    expect(await t.db.enrolment.count()).toBe(0);
    // the same unit, not a restructured enterprise: its roster goes in
    expect((await cli(t.url, 'programme', 'apply', csv({ 'HN-HK-U1': ['', '否', '否'] }))).code).toBe(0);
    const taken = await cli(t.url, 'roster', 'import', roster, '--period', '2', '--unit', 'HN-HK-U1');
    expect(taken.code, taken.err).toBe(0);
    expect(await t.db.member.count({ where: { unitId: unit.id } })).toBeGreaterThan(before);
  });

  it('a wrong 是/否 cell or headcount is named by row and column, nothing written', async () => {
    const r = await cli(t.url, 'programme', 'apply', csv({ 'HN-13': ['很多', '', ''], 'HN-HK-U1': ['', '也许', ''] }));
    expect(r.code).not.toBe(0);
    const text = `${r.out}\n${r.err}`;
    expect(text).toMatch(/第 2 行.*参加医保人数/);
    expect(text).toMatch(/第 3 行.*改制或关停并转.*也许/);
    expect((await t.db.org.findUniqueOrThrow({ where: { code: 'HN-13' } })).insuredHeadcount).toBe(310000);
  });
});
