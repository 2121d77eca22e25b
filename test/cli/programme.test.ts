/**
 * Issue 15: a union sets its programme up from its own files through `huzhu template` / `huzhu programme
 * check|apply|show`: rows checked with row and column named, all or nothing, re-applying changes nothing, a
 * change to existing data is an update with an audit entry. Hainan 2nd period (seed 000) files.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { syntheticIdNumber } from '../../src/services/demo/people.js';
import { cli } from '../support/cli.js';
import { freshDb, providers, type TestDb } from '../support/db.js';
import { tmpFile } from '../support/roster-files.js';

const DIR = path.resolve(import.meta.dirname, '../fixtures/programmes/hainan-2');
const file = (name: string) => path.join(DIR, name);

function csvLines(name: string): string[] {
  return fs
    .readFileSync(file(name), 'utf8')
    .replace(/^\uFEFF/, '')
    .replace(/\r/g, '')
    .trimEnd()
    .split('\n');
}
function writeCsv(lines: string[], name = 'f.csv'): string {
  const f = tmpFile(name);
  fs.writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

describe.each(providers)('programme set-up from files on %s (seed 000)', (provider) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb(provider);
  });
  afterAll(() => t.drop());

  it('writes templates whose sheet and header name their kind, with platform account columns', async () => {
    const out = tmpFile('people.xlsx');
    const r = await cli(t.url, 'template', 'people', '--out', out);
    expect(r.code, r.err).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const sheet = must(wb.worksheets[0], 'the workbook has a sheet');
    expect(sheet.name).toBe('人员');
    const header = (sheet.getRow(1).values as string[]).slice(1);
    expect(header).toEqual(expect.arrayContaining(['姓名', '身份证号', '角色', '企业微信账号', '钉钉账号']));
    expect(wb.getWorksheet('说明')).toBeDefined();
    expect((await cli(t.url, 'template', 'bogus', '--out', out)).code).toBe(2);
  });

  it('people before their units exist: refused by row and column, nothing written', async () => {
    const r = await cli(t.url, 'programme', 'apply', file('people.csv'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('第 2 行「所在单位编码」：找不到单位 HN-HK-U1');
    expect(r.err).toContain('未写入任何数据');
    expect(await t.db.member.count()).toBe(0);
  });

  it('applies organisations, period and people; show tells what is there', async () => {
    const check = await cli(t.url, 'programme', 'check', file('organisations.csv'));
    expect(check.code, check.err).toBe(0);
    expect(check.out).toContain('组织文件：新增 49，变更 0，未变 0（仅检查，未写入）');
    expect(await t.db.org.count()).toBe(0);

    const orgs = await cli(t.url, 'programme', 'apply', file('organisations.csv'));
    expect(orgs.code, orgs.err).toBe(0);
    expect(orgs.out).toContain('新增 49');
    const haikou = await t.db.org.findFirstOrThrow({ where: { name: '海口市总工会' } });
    expect(haikou).toMatchObject({
      kind: 'office',
      category: '市、县工会',
      memberTotal: 295204,
      previousParticipants: 43063,
    });
    const unit = await t.db.org.findUniqueOrThrow({ where: { code: 'HN-HK-U1' } });
    expect(unit).toMatchObject({ rankUnitId: haikou.id, officeId: haikou.id, path: `${haikou.path}${unit.id}/` });
    const tax = await t.db.org.findFirstOrThrow({ where: { name: '地税工会' } });
    expect(tax.rankNote).toBe('省本级100%');

    const period = await cli(t.url, 'programme', 'apply', file('period.csv'));
    expect(period.code, period.err).toBe(0);
    const p = await t.db.period.findFirstOrThrow({ include: { programme: true } });
    expect(p).toMatchObject({ number: 2, name: '第二期', current: true, startsOn: '2017-01-01' });
    expect(p.programme.code).toBe('hainan');

    const people = await cli(t.url, 'programme', 'apply', file('people.csv'));
    expect(people.code, people.err).toBe(0);
    expect(people.out).toContain('人员文件：新增 3');
    const rep = await t.db.chatIdentity.findUniqueOrThrow({
      where: { platform_userId: { platform: 'dingtalk', userId: 'hn-rep-1' } },
      include: { member: { include: { roles: true } } },
    });
    expect(rep.member.roles).toEqual([expect.objectContaining({ role: 'rep', orgId: unit.id })]);
    const centre = await t.db.member.findFirstOrThrow({ where: { name: '黄志强' }, include: { roles: true } });
    expect(centre.roles.map((r) => r.role).sort()).toEqual(['admin', 'centre']);

    const show = await cli(t.url, 'programme', 'show');
    expect(show.out).toContain('海南省职工医疗互助（hainan）');
    expect(show.out).toContain('第二期（第 2 期）2017-01-01 至 2017-12-31，当前期次');
  });

  it('re-applying every file changes nothing and writes no audit entry', async () => {
    const audits = await t.db.auditLog.count();
    for (const f of ['organisations.csv', 'period.csv', 'people.csv']) {
      const r = await cli(t.url, 'programme', 'apply', file(f));
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/新增 0，变更 0，未变 \d+，无需写入/);
    }
    expect(await t.db.auditLog.count()).toBe(audits);
  });

  it('a renamed unit, a new unit and a replaced rep are updates with audit entries', async () => {
    const orgs = csvLines('organisations.csv').map((l) => l.replace('海口市演示单位工会', '海口市演示单位（新）工会'));
    orgs.push('HN-HK-U2,海口市第二演示单位工会,基层工会,HN-13,,,,,,,,');
    const r = await cli(t.url, 'programme', 'apply', writeCsv(orgs));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('新增 1，变更 1');
    expect(r.out).toContain('单位 HN-HK-U1：单位名称 海口市演示单位工会 → 海口市演示单位（新）工会');
    const renamed = await t.db.auditLog.findFirstOrThrow({ where: { action: 'org.update', subjectId: 'HN-HK-U1' } });
    expect(JSON.parse(must(renamed.details, 'the audit entry has details'))).toMatchObject({
      after: { name: '海口市演示单位（新）工会' },
    });

    // the rep of HN-HK-U1 is now 赵新 (a new person); 吴文静 is no longer its rep
    const people = csvLines('people.csv');
    people[1] = `赵新,${syntheticIdNumber('460100', 99)},HN-HK-U1,代办员,HN-HK-U1,在职,,hn-rep-2,hn-rep-2`;
    const p = await cli(t.url, 'programme', 'apply', writeCsv(people));
    expect(p.code, p.err).toBe(0);
    expect(p.out).toContain('HN-HK-U1 的代办员：吴文静 → 赵新');
    const unit = await t.db.org.findUniqueOrThrow({ where: { code: 'HN-HK-U1' } });
    const reps = await t.db.roleGrant.findMany({ where: { role: 'rep', orgId: unit.id }, include: { member: true } });
    expect(reps.map((g) => g.member.name)).toEqual(['赵新']);
    expect(await t.db.auditLog.count({ where: { action: 'role.revoke' } })).toBe(1);
  });

  it('bad files get a clear Chinese answer and nothing is written', async () => {
    const before = { orgs: await t.db.org.count(), audits: await t.db.auditLog.count() };
    // a template of another kind
    const wrongKind = await cli(t.url, 'programme', 'apply', file('people.csv'), '--kind', 'organisations');
    expect(wrongKind.err).toContain('这是人员文件，不是组织文件');
    // a renamed column
    const lines = csvLines('organisations.csv');
    lines[0] = must(lines[0], 'the header line').replace('会员总数', '会员人数');
    const renamed = await cli(t.url, 'programme', 'apply', writeCsv(lines));
    expect(renamed.err).toContain('组织文件缺少必需的列：会员总数；未识别的列：会员人数');
    // a unit whose parent does not exist, a bad number, a duplicate code: every row named, none written
    const bad = csvLines('organisations.csv');
    bad.push(
      'HN-X1,新单位,基层工会,NOPE,,,,,,,,',
      'HN-X2,另一单位,基层工会,HN-13,,十二,,,,,,',
      'HN-01,重复,办事处,HN,,,,,,,,',
    );
    const r = await cli(t.url, 'programme', 'apply', writeCsv(bad));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`第 ${bad.length - 2} 行「上级单位编码」：找不到上级单位 NOPE`);
    expect(r.err).toContain(`第 ${bad.length - 1} 行「会员总数」：应为不小于 0 的整数，现为“十二”`);
    expect(r.err).toContain(`第 ${bad.length} 行「单位编码」：单位编码 HN-01 与第 3 行重复`);
    // a rep without a chat id
    const people = csvLines('people.csv');
    people[1] = '吴文静,460100198001010014,HN-HK-U1,代办员,HN-HK-U1,在职,,,';
    const rep = await cli(t.url, 'programme', 'apply', writeCsv(people));
    expect(rep.err).toContain('第 2 行「企业微信账号、钉钉账号」：代办员须至少填写一个聊天账号');
    // a period with a policy that does not exist, and one whose name says another number
    const period = csvLines('period.csv');
    const periodHeader = must(period[0], 'the header line of period.csv');
    const periodRow = must(period[1], 'the period row of period.csv');
    const noPolicy = await cli(
      t.url,
      'programme',
      'apply',
      writeCsv([periodHeader, periodRow.replace('hainan-2', 'hainan-9')]),
    );
    expect(noPolicy.err).toContain('没有名为“hainan-9”的政策');
    const otherNo = await cli(t.url, 'programme', 'apply', writeCsv([periodHeader, periodRow.replace(',2,', ',3,')]));
    expect(otherNo.err).toContain('期次 3 与政策的期次名称“第二期”不符');
    // not a table at all
    const junk = tmpFile('x.xlsx');
    fs.writeFileSync(junk, 'not a workbook');
    expect((await cli(t.url, 'programme', 'apply', junk)).err).toContain('无法读取这个 XLSX 文件');
    expect(await t.db.org.count()).toBe(before.orgs);
    expect(await t.db.auditLog.count()).toBe(before.audits);
  });

  it('a period file may carry its own policy JSON, checked by the policy schema, and its own timeline', async () => {
    const dir = path.dirname(tmpFile('x'));
    const policy = JSON.parse(
      fs.readFileSync(path.resolve(import.meta.dirname, '../../prisma/policies/hainan-2.json'), 'utf8'),
    );
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ ...policy, startsOn: '2017-1-1' }));
    fs.writeFileSync(
      path.join(dir, 'hainan-3.json'),
      JSON.stringify({ ...policy, periodName: '第三期', startsOn: '2018-01-01', endsOn: '2018-12-31' }),
    );
    const header = must(csvLines('period.csv')[0], 'the header line');
    const bad = path.join(dir, 'bad-period.csv');
    fs.writeFileSync(bad, `${header}\nhainan,海南省职工医疗互助,HN,3,bad.json,否,,,,\n`);
    expect((await cli(t.url, 'programme', 'apply', bad)).err).toContain(
      '政策未通过校验：startsOn：日期应为 YYYY-MM-DD',
    );
    const good = path.join(dir, 'period-3.csv');
    fs.writeFileSync(
      good,
      `${header}\nhainan,海南省职工医疗互助,HN,3,hainan-3.json,否,roster_close,第三期名册截止,2018-03-31,是\n,,,,,,claim_cutoff,第三期补助受理截止,2019-01-31,否\n`,
    );
    const r = await cli(t.url, 'programme', 'apply', good);
    expect(r.code, r.err).toBe(0);
    const p3 = await t.db.period.findFirstOrThrow({ where: { number: 3 } });
    expect(p3.current).toBe(false);
    expect(JSON.parse(p3.policy).timeline).toEqual([
      { key: 'roster_close', label: '第三期名册截止', date: '2018-03-31', announce: true },
      { key: 'claim_cutoff', label: '第三期补助受理截止', date: '2019-01-31', announce: false },
    ]);
  });
});
