/**
 * Issue #15 item 2, the admin's desk in chat, on every platform: an admin sends the office's XLSX as a file message
 * (downloaded through the platform's media API from its local server), gets the row errors or a summary card, and
 * 确认导入 writes it; a non-admin is refused and nothing is written; 导出进度表 answers with an XLSX the platform
 * received (uploaded, then sent as a file message) that exceljs opens.
 */
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { DEMO_UNIT_CODE } from '../../src/services/demo/load.js';
import { forgetPeople } from '../../src/services/people.js';
import { buttonKey } from '../support/cards.js';
import { HEADER, person } from '../support/roster-files.js';
import { platforms, said, useApp } from './harness.js';

async function xlsx(sheet: string, rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(sheet);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const ORG_HEADER = ['单位编码', '单位名称', '单位类型', '上级单位编码', '排名类别', '会员总数'];
const ADMIN = 'demo-officer-1';
const WORKER = 'demo-worker-1';

describe.each(platforms)('the admin’s files on %s', (platform) => {
  const ctx = useApp(platform, { schedules: false });
  const db = () => ctx.t.rt.db;

  beforeAll(async () => {
    // the demo has no admin: the office's officer is made one, on the federation, as a people file would
    const ident = await db().chatIdentity.findUniqueOrThrow({
      where: { platform_userId: { platform, userId: ADMIN } },
    });
    const fed = await db().org.findUniqueOrThrow({ where: { code: 'HN' } });
    await db().roleGrant.create({ data: { memberId: ident.memberId, role: 'admin', orgId: fed.id } });
    forgetPeople(db());
  });

  it('an organisations file: a summary card, nothing written until 确认导入, then the units are there', async () => {
    const file = await xlsx('组织', [
      ORG_HEADER,
      ['T-OFF1', '测试县总工会', '办事处', 'HN', '市、县工会', 1200],
      ['T-OFF1-U1', '测试县医院工会', '基层工会', 'T-OFF1', '', 80],
    ]);
    const got = await ctx.d.sendFile(ADMIN, '组织.xlsx', file);
    const reply = must(
      got.find((m) => m.kind === 'card'),
      `a card among the replies: ${said(got)}`,
    );
    const card = must(reply.card, 'the card reply carries its card');
    expect(reply.text).toContain('组织文件');
    expect(reply.text).toMatch(/新增：2/);
    expect(reply.text).toContain('尚未写入');
    expect(card.buttons.map((b) => b.text)).toEqual(['确认导入', '取消']);
    expect(await db().org.count({ where: { code: { startsWith: 'T-OFF1' } } })).toBe(0);

    // someone else's click on the admin's card writes nothing
    const other = await ctx.d.click(WORKER, card.id, buttonKey(card, '确认导入'));
    expect(said(other)).not.toContain('已导入');
    expect(await db().org.count({ where: { code: { startsWith: 'T-OFF1' } } })).toBe(0);

    const applied = await ctx.d.click(ADMIN, card.id, buttonKey(card, '确认导入'));
    expect(said(applied)).toContain('已导入组织文件');
    const units = await db().org.findMany({ where: { code: { startsWith: 'T-OFF1' } }, orderBy: { code: 'asc' } });
    expect(units.map((u) => [u.code, u.name, u.kind])).toEqual([
      ['T-OFF1', '测试县总工会', 'office'],
      ['T-OFF1-U1', '测试县医院工会', 'union'],
    ]);
    expect(units[1]?.parentId).toBe(must(units[0], 'the office').id);
    expect(await db().auditLog.count({ where: { action: 'adminfile.applied', subjectId: card.id } })).toBe(1);
    expect(ctx.d.card(ADMIN, card.id)?.finalText).toMatch(/^已导入/);

    // the same click again (on WeCom, with the frozen clock, the platform's retry: a duplicate; on DingTalk a
    // second tap: the file is gone) writes nothing more
    const again = await ctx.d.click(ADMIN, card.id, buttonKey(card, '确认导入'));
    expect(said(again)).not.toContain('已导入');
    if (platform === 'dingtalk') expect(said(again)).toContain('已经确认、取消或已过期');
    expect(await db().auditLog.count({ where: { action: 'adminfile.applied' } })).toBe(1);
  });

  it('取消 drops the pending file', async () => {
    const file = await xlsx('组织', [ORG_HEADER, ['T-OFF2', '取消县总工会', '办事处', 'HN', '市、县工会', 500]]);
    const card = must(
      (await ctx.d.sendFile(ADMIN, 'orgs.xlsx', file)).find((m) => m.kind === 'card')?.card,
      'the card',
    );
    expect(said(await ctx.d.click(ADMIN, card.id, buttonKey(card, '取消')))).toContain('没有导入');
    expect(await db().org.count({ where: { code: 'T-OFF2' } })).toBe(0);
  });

  it('a roster with errors: the row errors with their total, nothing written', async () => {
    const members = await db().member.count();
    const rows = [HEADER, person(1), ['错号', '530102199001011234', '在职', 100, '', '', ''], person(3, 777)];
    for (let i = 0; i < 25; i++) rows.push(['', `5301021990${String(i).padStart(8, '0')}`, '在职', 100, '', '', '']);
    const got = await ctx.d.sendFile(ADMIN, `${DEMO_UNIT_CODE} 名册.xlsx`, await xlsx('名册', rows));
    const text = said(got);
    expect(got.some((m) => m.kind === 'card')).toBe(false);
    expect(text).toMatch(/名册文件「.+」有 \d+ 处问题，没有写入任何数据/);
    // the name the admin's client gave the file (WeCom: from media/get's Content-Disposition)
    expect(text).toContain(`「${DEMO_UNIT_CODE} 名册.xlsx」`);
    expect(text).toContain('第 3 行');
    expect(text).toContain('第 4 行');
    expect(text).toMatch(/另有 \d+ 处未列出/);
    expect(await db().member.count()).toBe(members);
  });

  it('a valid roster named after its unit: the card, then 确认导入 puts its people on the roster', async () => {
    const rows = [HEADER, person(11), person(12, '未参'), person(13)];
    const got = await ctx.d.sendFile(ADMIN, `${DEMO_UNIT_CODE}.xlsx`, await xlsx('名册', rows));
    const reply = must(
      got.find((m) => m.kind === 'card'),
      `a card among the replies: ${said(got)}`,
    );
    const card = must(reply.card, 'the card reply carries its card');
    expect(reply.text).toContain('名册文件');
    expect(reply.text).toContain(DEMO_UNIT_CODE);
    const names = rows.slice(1).map((r) => String(r[0]));
    expect(await db().member.count({ where: { name: { in: names } } })).toBe(0);
    const applied = await ctx.d.click(ADMIN, card.id, buttonKey(card, '确认导入'));
    expect(said(applied)).toContain('已导入名册文件');
    const unit = await db().org.findUniqueOrThrow({ where: { code: DEMO_UNIT_CODE } });
    expect(await db().member.count({ where: { name: { in: names }, unitId: unit.id } })).toBe(3);
  });

  it('a file over 20 MB is refused in Chinese, nothing read', async () => {
    const big = Buffer.alloc(20 * 1024 * 1024 + 1, 0x41);
    const got = await ctx.d.sendFile(ADMIN, '大文件.xlsx', big);
    expect(said(got)).toContain('文件超过 20 MB');
    expect(got.some((m) => m.kind === 'card')).toBe(false);
  });

  it('a file that is not a spreadsheet is refused by its type', async () => {
    const got = await ctx.d.sendFile(ADMIN, '照片.jpg', Buffer.from('not a spreadsheet at all'));
    expect(said(got)).toContain('不支持的文件类型');
  });

  it('a remittance list (缴费清单): the card, then 确认导入 records the payment', async () => {
    // demo-worker-2 enrols in chat: an enrolment whose fee the unit has not remitted yet
    await ctx.d.say('demo-worker-2', '我要参加');
    expect(said(await ctx.d.say('demo-worker-2', '确认'))).toContain('报名成功');
    const e = await db().enrolment.findFirstOrThrow({
      where: { paid: false, feeFen: { gt: 0 } },
      include: { member: { include: { unit: true } } },
      orderBy: { id: 'asc' },
    });
    const rows = [
      ['单位编码', '姓名', '身份证后4位', '金额', '交费日期'],
      [e.member.unit.code, e.member.name, e.member.idLast4, (e.feeFen / 100).toFixed(2), '2026-03-01'],
    ];
    const got = await ctx.d.sendFile(ADMIN, '缴费清单.xlsx', await xlsx('缴费清单', rows));
    const reply = must(
      got.find((m) => m.kind === 'card'),
      `a card among the replies: ${said(got)}`,
    );
    const card = must(reply.card, 'the card reply carries its card');
    expect(reply.text).toContain('缴费清单文件');
    expect(reply.text).toMatch(/新增：1/);
    expect((await db().enrolment.findUniqueOrThrow({ where: { id: e.id } })).paid).toBe(false);
    const applied = await ctx.d.click(ADMIN, card.id, buttonKey(card, '确认导入'));
    expect(said(applied)).toContain('已导入缴费清单文件');
    expect((await db().enrolment.findUniqueOrThrow({ where: { id: e.id } })).paid).toBe(true);
  });

  it('a non-admin sending an XLSX is refused politely, nothing read or written', async () => {
    const before = await db().org.count();
    const file = await xlsx('组织', [ORG_HEADER, ['T-OFF3', '越权县总工会', '办事处', 'HN', '市、县工会', 10]]);
    const got = await ctx.d.sendFile(WORKER, '组织.xlsx', file);
    expect(said(got)).toContain('仅限管理员');
    expect(got.some((m) => m.kind === 'card')).toBe(false);
    expect(await db().org.count()).toBe(before);
  });

  it('导出进度表 answers with the progress table as an XLSX the platform received', async () => {
    const got = await ctx.d.say(ADMIN, '导出进度表');
    const file = must(got.find((m) => m.kind === 'file')?.file, `a file among the replies: ${said(got)}`);
    expect(file.name).toMatch(/^医疗互助工作进度表-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.bytes as unknown as ArrayBuffer);
    const names = wb.worksheets.map((w) => w.name);
    expect(names).toContain('市、县工会');
    const sheet = must(wb.getWorksheet('市、县工会'), 'the 市、县工会 sheet');
    const cells = sheet.getSheetValues().flat().map(String).join(' ');
    expect(cells).toContain('三沙市总工会（筹）');
  });

  it('导出名册 <单位编码> answers with the unit’s roster, ID numbers masked; an unknown unit is named', async () => {
    const got = await ctx.d.say(ADMIN, `导出名册 ${DEMO_UNIT_CODE}`);
    const file = must(got.find((m) => m.kind === 'file')?.file, `a file among the replies: ${said(got)}`);
    expect(file.name).toMatch(new RegExp(`^参互人员名册-${DEMO_UNIT_CODE}-`));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.bytes as unknown as ArrayBuffer);
    const ws = must(wb.getWorksheet('参互人员名册'), 'the 参互人员名册 sheet');
    expect(ws.getRow(1).values).toContain('身份证号');
    const ids = ws.getColumn(3).values.slice(2).map(String);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id).toMatch(/^\*{14}[0-9X]{4}$/);
    expect(said(await ctx.d.say(ADMIN, '导出名册 NO-SUCH-UNIT'))).toContain('找不到单位「NO-SUCH-UNIT」');
  });

  it('a worker asking for 导出进度表 is refused', async () => {
    const got = await ctx.d.say(WORKER, '导出进度表');
    expect(got.some((m) => m.kind === 'file')).toBe(false);
    expect(said(got)).toContain('仅限');
  });

  it('帮助 tells an admin about the files, and a worker not', async () => {
    const admin = said(await ctx.d.say(ADMIN, '帮助'));
    expect(admin).toContain('导出进度表');
    expect(admin).toContain('直接发送 Excel 文件');
    expect(said(await ctx.d.say(WORKER, '帮助'))).not.toContain('Excel');
  });
});
