/**
 * Issue #15 item 2: an admin's file is recognised by its content, not its name. A WeCom file message may come with
 * no name at all (media/get without a file name), a DingTalk one with a generic name (file): each kind of office
 * file, sent so, in a sheet called Sheet1, is read as what it is — a 团体申请表 (below a title row, as offices print
 * it) goes to 对账, the set-up files and the remittance list get their summary card, a roster asks for its unit.
 * A file named as one kind whose content is another is read as its content.
 */
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { DEMO_UNIT_CODE } from '../../src/services/demo/load.js';
import { syntheticIdNumber } from '../../src/services/demo/people.js';
import { forgetPeople } from '../../src/services/people.js';
import type { SeenMessage } from '../support/driver.js';
import { HEADER, person } from '../support/roster-files.js';
import { platforms, said, useApp } from './harness.js';

const ADMIN = 'demo-officer-1';

async function xlsx(rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Sheet1');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function cardText(got: SeenMessage[]): string {
  return must(
    got.find((m) => m.kind === 'card'),
    `a card among the replies: ${said(got)}`,
  ).text;
}

describe.each(platforms)('nameless files of an admin on %s', (platform) => {
  const ctx = useApp(platform, { schedules: false });
  const db = () => ctx.t.rt.db;
  /** WeCom: no name at all; DingTalk always sends one, so a generic one */
  const NAMELESS = platform === 'wecom' ? '' : 'file';
  let unitId: number;

  beforeAll(async () => {
    const ident = await db().chatIdentity.findUniqueOrThrow({
      where: { platform_userId: { platform, userId: ADMIN } },
    });
    const fed = await db().org.findUniqueOrThrow({ where: { code: 'HN' } });
    await db().roleGrant.create({ data: { memberId: ident.memberId, role: 'admin', orgId: fed.id } });
    forgetPeople(db());
    unitId = (await db().org.findUniqueOrThrow({ where: { code: DEMO_UNIT_CODE } })).id;
  });

  it('a 团体申请表 with a title row: the reconciliation answer and its XLSX, nothing written', async () => {
    const period = await db().period.findFirstOrThrow({ where: { current: true } });
    const enrolled = await db().enrolment.count({ where: { periodId: period.id, unitId, kind: { not: 'none' } } });
    const audits = await db().auditLog.count();
    const got = await ctx.d.sendFile(
      ADMIN,
      NAMELESS,
      await xlsx([
        ['2026年度职工医疗互助团体申请表'],
        ['单位编码', '申请人数', '金额'],
        [DEMO_UNIT_CODE, enrolled + 1, 100],
      ]),
    );
    const text = said(got);
    expect(text).toContain('团体申请表核对：1 个单位，0 个与名册一致');
    expect(text).toContain(`团体申请表人数 ${enrolled + 1} 人与名册参互人数 ${enrolled} 人不一致`);
    expect(got.some((m) => m.kind === 'card')).toBe(false);
    const file = must(got.find((m) => m.kind === 'file')?.file, `the reconciliation XLSX: ${text}`);
    expect(file.name).toMatch(/^互助金对账-/);
    expect(await db().auditLog.count()).toBe(audits);
  });

  it('the same content as CSV under a generic name is read alike', async () => {
    const csv = Buffer.from(`单位编码,申请人数\n${DEMO_UNIT_CODE},1\n`, 'utf8');
    const got = await ctx.d.sendFile(ADMIN, platform === 'wecom' ? '' : 'download.dat', csv);
    expect(said(got)).toContain('团体申请表核对：1 个单位');
  });

  it('an organisations file: its summary card', async () => {
    const got = await ctx.d.sendFile(
      ADMIN,
      NAMELESS,
      await xlsx([
        ['单位编码', '单位名称', '单位类型', '上级单位编码', '排名类别', '会员总数'],
        ['N-OFF1', '无名县总工会', '办事处', 'HN', '市、县工会', 300],
      ]),
    );
    const text = cardText(got);
    expect(text).toContain('组织文件');
    expect(text).toMatch(/新增：1/);
    expect(await db().org.count({ where: { code: 'N-OFF1' } })).toBe(0);
  });

  it('a people file: its summary card', async () => {
    const got = await ctx.d.sendFile(
      ADMIN,
      NAMELESS,
      await xlsx([
        ['姓名', '身份证号', '所在单位编码', '角色', '负责单位编码', '企业微信账号', '钉钉账号'],
        ['周无名', syntheticIdNumber('460100', 7), DEMO_UNIT_CODE, '代办员', DEMO_UNIT_CODE, 'n-rep-1', 'n-rep-1'],
      ]),
    );
    const text = cardText(got);
    expect(text).toContain('人员文件');
    expect(text).toMatch(/新增：1/);
  });

  it('a period file: its summary card', async () => {
    const got = await ctx.d.sendFile(
      ADMIN,
      NAMELESS,
      await xlsx([
        ['方案编码', '方案名称', '总工会编码', '期次', '政策', '当前期次'],
        ['hainan', '海南省职工医疗互助', 'HN', 2, 'hainan-2', '是'],
      ]),
    );
    expect(cardText(got)).toContain('期次文件');
  });

  it('a remittance list: its summary card', async () => {
    const e = await db().enrolment.findFirstOrThrow({
      where: { unitId, kind: { not: 'none' }, feeFen: { gt: 0 } },
      include: { member: true },
      orderBy: { id: 'asc' },
    });
    const got = await ctx.d.sendFile(
      ADMIN,
      NAMELESS,
      await xlsx([
        ['单位编码', '姓名', '身份证后4位', '金额', '交费日期'],
        [DEMO_UNIT_CODE, e.member.name, e.member.idLast4, (e.feeFen / 100).toFixed(2), '2026-03-01'],
      ]),
    );
    expect(cardText(got)).toContain('缴费清单文件');
  });

  it('a roster: recognised as one, and asked for its unit, nothing written', async () => {
    const members = await db().member.count();
    const got = await ctx.d.sendFile(ADMIN, NAMELESS, await xlsx([HEADER, person(61), person(62)]));
    expect(said(got)).toContain('是一份名册，但文件名中没有单位编码');
    expect(got.some((m) => m.kind === 'card')).toBe(false);
    expect(await db().member.count()).toBe(members);
  });

  it('a file named 团体申请表 that holds an organisations file is read as its content', async () => {
    const got = await ctx.d.sendFile(
      ADMIN,
      '团体申请表.xlsx',
      await xlsx([
        ['单位编码', '单位名称', '单位类型', '上级单位编码', '排名类别', '会员总数'],
        ['N-OFF2', '错名县总工会', '办事处', 'HN', '市、县工会', 300],
      ]),
    );
    expect(cardText(got)).toContain('组织文件');
  });
});
