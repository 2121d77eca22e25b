/**
 * Issue #15, on every platform through signed callbacks and card clicks: a rep's 已收费 (names or ID tails, a
 * confirming card, recorded once), and an officer's 对账 and 年度报表 answered with an XLSX the local platform server
 * received (uploaded, then sent as a file message), parsed with exceljs against figures read from the database.
 */
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { shanghaiDate } from '../../src/rules/index.js';
import { DEMO_UNIT_CODE } from '../../src/services/demo/load.js';
import { FROZEN_NOW } from '../support/app.js';
import { buttonKey } from '../support/cards.js';
import type { SeenMessage } from '../support/driver.js';
import { only } from '../support/only.js';
import { platforms, said, useApp } from './harness.js';

const REP = 'demo-rep-1';
const OFFICER = 'demo-officer-1';
const WORKER = 'demo-worker-1';
const ENROLLING = 'demo-worker-2'; // 符明亮, ID ends 0018, on the roster, not enrolled yet

async function xlsx(rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('团体申请表');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function sheetOf(got: SeenMessage[], name: RegExp): Promise<ExcelJS.Workbook> {
  const file = must(got.find((m) => m.kind === 'file')?.file, `a file among the replies: ${said(got)}`);
  expect(file.name).toMatch(name);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file.bytes as unknown as ArrayBuffer);
  return wb;
}

describe.each(platforms)('fees, reconciliation and the year report in chat on %s', (platform) => {
  const ctx = useApp(platform, { schedules: false });
  const db = () => ctx.t.rt.db;
  let unitId: number;
  let officeId: number;
  let periodId: number;

  beforeAll(async () => {
    const unit = await db().org.findUniqueOrThrow({ where: { code: DEMO_UNIT_CODE } });
    unitId = unit.id;
    officeId = must(unit.officeId, 'the demo unit belongs to an office');
    periodId = (await db().period.findFirstOrThrow({ where: { current: true } })).id;
    // a 分工会 of the rep's unit: its members are the rep's too
    const sub = await db().org.create({
      data: { code: `${DEMO_UNIT_CODE}-SUB`, name: '演示分工会', kind: 'subunion', parentId: unit.id, officeId },
    });
    await db().org.update({
      where: { id: sub.id },
      data: { path: `${unit.path}${sub.id}/`, rankUnitId: unit.rankUnitId },
    });
    // two enrolled people share a name, and neither has paid: a name alone cannot tell them apart
    for (const [i, tail, at] of [
      [1, '7011', unitId],
      [2, '7022', sub.id],
    ] as const) {
      const m = await db().member.create({
        data: { name: '张同名', idHash: `${platform}-same-name-${i}`, idLast4: tail, status: 'in_service', unitId: at },
      });
      await db().enrolment.create({
        data: {
          periodId,
          memberId: m.id,
          unitId: at,
          rankUnitId: unit.rankUnitId,
          kind: 'new',
          feeFen: 5000,
          source: 'roster',
        },
      });
    }
  });

  it('a non-rep’s 已收费 is refused, nothing recorded', async () => {
    const got = await ctx.d.say(WORKER, '已收费 张同名');
    expect(got.some((m) => m.kind === 'card')).toBe(false);
    expect(said(got)).toContain('仅限单位代办员');
    expect(await db().enrolment.count({ where: { periodId, paid: true, member: { name: '张同名' } } })).toBe(0);
  });

  it('已收费 by name and ID tail: a card with the count, total and masked IDs; 确认 records it once', async () => {
    await ctx.d.say(ENROLLING, '我要参加');
    expect(said(await ctx.d.say(ENROLLING, '确认'))).toContain('报名成功');
    const enrolled = await db().enrolment.findFirstOrThrow({
      where: { periodId, member: { name: '符明亮' } },
      include: { member: true },
    });
    expect(enrolled.paid).toBe(false);

    // 符明亮 by name, 张同名 by its tail, 林海燕 (ID ends 0029, paid already), 张同名 by name (two people), a stranger
    const got = await ctx.d.say(REP, '已收费 符明亮，7022、0029 张同名 查无此人');
    const text = said(got.filter((m) => m.kind !== 'card'));
    expect(text).toContain('林海燕（**************0029）');
    expect(text).toMatch(/此前已登记/);
    expect(text).toMatch(/“张同名”对应本单位 2 名参加人员/);
    expect(text).toContain('查无此人');
    const reply = must(
      got.find((m) => m.kind === 'card'),
      `a card among the replies: ${said(got)}`,
    );
    const card = must(reply.card, 'the card reply carries its card');
    const total = enrolled.feeFen + 5000;
    expect(reply.text).toContain('2 人');
    expect(reply.text).toContain(`${total / 100} 元`);
    expect(reply.text).toContain(`符明亮 **************${enrolled.member.idLast4}`);
    expect(reply.text).toContain('张同名 **************7022');
    expect(reply.text).toContain('演示分工会');
    expect(reply.text).not.toContain('7011');
    expect(card.buttons.map((b) => b.text)).toEqual(['确认', '取消']);
    // nothing recorded before the click
    expect((await db().enrolment.findUniqueOrThrow({ where: { id: enrolled.id } })).paid).toBe(false);

    // anyone else's click on the rep's card records nothing
    expect(said(await ctx.d.click(OFFICER, card.id, buttonKey(card, '确认')))).toContain('无权');
    expect((await db().enrolment.findUniqueOrThrow({ where: { id: enrolled.id } })).paid).toBe(false);

    const done = await ctx.d.click(REP, card.id, buttonKey(card, '确认'));
    expect(said(done)).toContain(`已登记收费 2 人，合计 ${total / 100} 元`);
    const after = await db().enrolment.findMany({
      where: { periodId, member: { OR: [{ name: '符明亮' }, { idLast4: { in: ['7011', '7022'] } }] } },
      include: { member: true },
      orderBy: { member: { idLast4: 'asc' } },
    });
    expect(after.map((e) => [e.member.name, e.member.idLast4, e.paid])).toEqual([
      ['符明亮', enrolled.member.idLast4, true],
      ['张同名', '7011', false],
      ['张同名', '7022', true],
    ]);
    expect(after.find((e) => e.paid)?.paidAt?.getTime()).toBe(FROZEN_NOW.getTime());
    const entries = await db().auditLog.findMany({ where: { action: 'fees.collected' } });
    expect(entries).toHaveLength(1);
    const entry = only(entries, 'fees.collected audit entry');
    expect(JSON.parse(must(entry.details, 'the audit entry has details'))).toMatchObject({ amountFen: total });
    expect(entry.actor).toBe(`${platform}:${REP}`);
    expect(ctx.d.card(REP, card.id)?.finalText).toMatch(/^已登记收费 2 人/);

    // a double click records nothing more
    const again = await ctx.d.click(REP, card.id, buttonKey(card, '确认'));
    expect(said(again)).not.toContain('已登记收费 2 人');
    expect(await db().auditLog.count({ where: { action: 'fees.collected' } })).toBe(1);

    // the same people again: nothing to record, said so
    const repeat = await ctx.d.say(REP, '已收费 符明亮');
    expect(repeat.some((m) => m.kind === 'card')).toBe(false);
    expect(said(repeat)).toContain('此前已登记');
  });

  it('取消 on the card records nothing; a bare 已收费 shows the format', async () => {
    expect(said(await ctx.d.say(REP, '已收费'))).toContain('例如：已收费 张三');
    const got = await ctx.d.say(REP, '已收费 7011');
    const card = must(got.find((m) => m.kind === 'card')?.card, `a card among the replies: ${said(got)}`);
    expect(said(await ctx.d.click(REP, card.id, buttonKey(card, '取消')))).toContain('没有登记收费');
    expect(await db().enrolment.count({ where: { periodId, paid: true, member: { idLast4: '7011' } } })).toBe(0);
  });

  it('对账: the office’s summary and the XLSX with its own figures only', async () => {
    const units = await db().org.findMany({ where: { OR: [{ id: officeId }, { officeId }] } });
    const ids = units.map((u) => u.id);
    const paid = await db().enrolment.findMany({
      where: { periodId, unitId: { in: ids }, kind: { not: 'none' }, paid: true },
    });
    const rosterFen = paid.reduce((s, e) => s + e.feeFen, 0);
    // the office remitted one person and 100 yuan fewer than its roster's paid participants
    await db().remittance.create({
      data: {
        periodId,
        officeId,
        persons: paid.length - 1,
        amountFen: rosterFen - 10000,
        remittedOn: '2026-03-01',
        reference: 'test',
      },
    });
    const got = await ctx.d.say(OFFICER, '对账');
    const text = said(got);
    expect(text).toContain(`名册已交费 ${paid.length} 人`);
    expect(text).toContain('相差 100 元');
    expect(text).toContain(`上交人数 ${paid.length - 1} 人与名册参互人数 ${paid.length} 人不一致`);
    // 张同名 (7011) has not paid: the unit has fees to collect
    expect(text).toMatch(/尚未交费.*\n· 海口市演示单位工会：\d+ 人/);

    const wb = await sheetOf(got, /^互助金对账-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const offices = must(wb.getWorksheet('办事处对账'), 'the 办事处对账 sheet');
    const office = must(
      units.find((u) => u.id === officeId),
      'the office is among the units',
    );
    expect(offices.rowCount).toBe(3); // title, header, this office only
    expect(offices.getRow(3).values).toEqual([
      undefined,
      office.code,
      office.name,
      paid.length,
      rosterFen / 100,
      paid.length - 1,
      (rosterFen - 10000) / 100,
      -1,
      -100,
      expect.stringContaining('不一致'),
    ]);
    const detail = must(wb.getWorksheet('单位明细'), 'the 单位明细 sheet');
    const codes = new Set(units.map((u) => u.code));
    const rows = detail.getSheetValues().slice(2) as unknown[][];
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(codes.has(String(r[1]))).toBe(true);
    const demo = must(
      rows.find((r) => r[1] === DEMO_UNIT_CODE),
      'a line for the demo unit',
    );
    const demoAll = await db().enrolment.findMany({ where: { periodId, unitId, kind: { not: 'none' } } });
    const unpaid = demoAll.filter((e) => !e.paid);
    expect(demo.slice(4)).toEqual([
      demoAll.length,
      demoAll.reduce((s, e) => s + e.feeFen, 0) / 100,
      demoAll.length - unpaid.length,
      (demoAll.reduce((s, e) => s + e.feeFen, 0) - unpaid.reduce((s, e) => s + e.feeFen, 0)) / 100,
      unpaid.length,
      unpaid.reduce((s, e) => s + e.feeFen, 0) / 100,
    ]);
  });

  it('对账 with a 团体申请表 sent as a file: the units’ declared persons and amounts against the roster', async () => {
    const enrolled = await db().enrolment.findMany({ where: { periodId, unitId, kind: { not: 'none' } } });
    const due = enrolled.reduce((s, e) => s + e.feeFen, 0);
    const other = await db().org.findFirstOrThrow({ where: { kind: 'office', id: { not: officeId } } });
    // a unit of another office is named by its row, nothing compared
    const bad = await ctx.d.sendFile(
      OFFICER,
      '团体申请表.xlsx',
      await xlsx([
        ['单位编码', '申请人数', '金额'],
        [DEMO_UNIT_CODE, enrolled.length, due / 100],
        [other.code, 10, 1000],
      ]),
    );
    expect(bad.some((m) => m.kind === 'file')).toBe(false);
    expect(said(bad)).toContain(`${other.code} 不是您办事处所辖的单位`);
    expect(said(bad)).toContain('第 3 行');

    // one person more declared than enrolled, and the amount 100 yuan short
    const got = await ctx.d.sendFile(
      OFFICER,
      '团体申请表.xlsx',
      await xlsx([
        ['单位编码', '申请人数', '金额'],
        [DEMO_UNIT_CODE, enrolled.length + 1, (due - 10000) / 100],
      ]),
    );
    const text = said(got);
    expect(text).toContain('团体申请表核对：1 个单位，0 个与名册一致');
    expect(text).toContain(`团体申请表人数 ${enrolled.length + 1} 人与名册参互人数 ${enrolled.length} 人不一致`);
    expect(text).toContain('相差 100 元');
    const wb = await sheetOf(got, /^互助金对账-/);
    const detail = must(wb.getWorksheet('单位明细'), 'the 单位明细 sheet');
    expect((detail.getRow(1).values as unknown[]).slice(10)).toEqual([
      '团体申请表人数',
      '团体申请表金额（元）',
      '申请表核对',
    ]);
    const row = must(
      (detail.getSheetValues().slice(2) as unknown[][]).find((r) => r[1] === DEMO_UNIT_CODE),
      'a line for the demo unit',
    );
    expect(row.slice(10, 12)).toEqual([enrolled.length + 1, (due - 10000) / 100]);
    expect(String(row[12])).toContain('不一致');

    // a worker's 团体申请表 is refused before it is read
    const worker = await ctx.d.sendFile(WORKER, '团体申请表.xlsx', await xlsx([['单位编码', '申请人数']]));
    expect(said(worker)).toContain('没有被读取');
    expect(worker.some((m) => m.kind === 'file')).toBe(false);

    // an officer's file of another kind (a roster) is not the officer's to import
    const roster = await ctx.d.sendFile(OFFICER, '名册.xlsx', await xlsx([['姓名', '身份证号', '交费金额']]));
    expect(said(roster)).toContain('仅限管理员');
    expect(roster.some((m) => m.kind === 'card' || m.kind === 'file')).toBe(false);
  });

  it('年度报表: seed 004’s attachment 1 for the officer’s office, figures from the data', async () => {
    const year = Number(shanghaiDate(FROZEN_NOW).slice(0, 4));
    const got = await ctx.d.say(OFFICER, '年度报表');
    const wb = await sheetOf(got, new RegExp(`^${year}年度运行情况统计表\\.xlsx$`));
    const ws = must(wb.getWorksheet(`${year}年度统计表`), `the ${year}年度统计表 sheet`);
    expect(String(ws.getCell('A1').value)).toBe(`${year}年度职工大病医疗互助活动运行情况统计表`);
    expect(String(ws.getCell('A2').value)).toContain('海口市总工会');

    const ids = (await db().org.findMany({ where: { OR: [{ id: officeId }, { officeId }] } })).map((u) => u.id);
    const joined = await db().enrolment.findMany({
      where: { periodId, unitId: { in: ids }, kind: { not: 'none' }, paid: true },
    });
    const remitted = await db().remittance.findMany({ where: { periodId, officeId } });
    const claims = await db().claim.findMany({
      where: { status: 'paid', member: { unitId: { in: ids } }, paidAt: { not: null } },
    });
    const inYear = claims.filter((c) => {
      const d = shanghaiDate(must(c.paidAt, 'the query asked for paid claims'));
      return d >= `${year}-01-01` && d <= `${year}-12-30`;
    });
    const row = ws.getRow(5).values as unknown[];
    expect(row.slice(1, 7)).toEqual([
      joined.length,
      joined.reduce((s, e) => s + e.feeFen, 0) / 100,
      remitted.reduce((s, r) => s + r.amountFen, 0) / 100,
      0,
      new Set(inYear.map((c) => c.memberId)).size,
      inYear.reduce((s, c) => s + c.subsidyFen, 0) / 100,
    ]);
    // the whole programme has more participants than this office: the officer saw only their own
    const all = await db().enrolment.count({ where: { periodId, kind: { not: 'none' }, paid: true } });
    expect(all).toBeGreaterThan(joined.length);
    expect(said(got)).toContain(`参与职工 ${joined.length} 人`);
  });

  it('a worker asking for 对账 or 年度报表 is refused, no file', async () => {
    for (const cmd of ['对账', '年度报表 2020']) {
      const got = await ctx.d.say(WORKER, cmd);
      expect(got.some((m) => m.kind === 'file')).toBe(false);
      expect(said(got)).toContain('仅限办事处经办人或管理员');
    }
  });
});
