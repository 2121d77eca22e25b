/**
 * Files a union office opens in Excel or WPS: the unit roster and the progress table in the style of seed 000.
 * Written with exceljs's streaming writer so a large roster does not sit in memory.
 */
import ExcelJS from 'exceljs';
import nzhcn from 'nzh/cn';
import { must } from '../core/must.js';
import type { Db } from '../db/client.js';
import type { PeriodWithPolicy } from './periods.js';
import { previousPeriod } from './periods.js';
import { ranking } from './progress.js';

const KIND_FEE_LABEL: Record<string, string> = { none: '未参' };

/** 参互人员名册 (seed 003): every member of the unit, fee or 未参; ID numbers masked (only the last 4 are kept). */
export async function exportRoster(db: Db, period: PeriodWithPolicy, unitCode: string, file: string): Promise<number> {
  const unit = await db.org.findUnique({ where: { code: unitCode } });
  if (!unit) throw new Error(`找不到单位编码 ${unitCode}`);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: true });
  const ws = wb.addWorksheet('参互人员名册');
  ws.columns = [
    { header: '序号', key: 'no', width: 8 },
    { header: '姓名', key: 'name', width: 12 },
    { header: '身份证号', key: 'id', width: 22 },
    { header: '在职/退休', key: 'status', width: 10 },
    { header: '交费金额', key: 'fee', width: 10 },
    { header: '手机', key: 'phone', width: 14 },
  ];
  let no = 0;
  let cursor: number | undefined;
  for (;;) {
    const page = await db.member.findMany({
      where: { unitId: unit.id },
      orderBy: { id: 'asc' },
      take: 1000,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
      include: { enrolments: { where: { periodId: period.id } } },
    });
    if (page.length === 0) break;
    for (const m of page) {
      const e = m.enrolments[0];
      ws.addRow({
        no: ++no,
        name: m.name,
        id: `${'*'.repeat(14)}${m.idLast4}`,
        status: m.status === 'retired' ? '退休' : '在职',
        fee: !e || e.kind === 'none' ? KIND_FEE_LABEL.none : e.feeFen / 100,
        phone: m.phone ? `${m.phone.slice(0, 3)}****${m.phone.slice(7)}` : '',
      }).commit();
    }
    cursor = must(page.at(-1), 'the page is not empty').id;
  }
  ws.commit();
  await wb.commit();
  return no;
}

/** 2017-03-20 → 2017年3月20日, as the notices date themselves */
export function chineseDate(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return `${y}年${m}月${d}日`;
}

/** 350000 → 35万 (the notice's way with round targets) */
function chineseCount(n: number): string {
  return n % 10_000 === 0 ? `${n / 10_000}万` : String(n);
}

/**
 * A ratio as the notice prints it, kept a number: 44 % as 0.44 shown "0%", below 1 % with one decimal
 * ("0.6%"), a headline with one decimal (85.9 %).
 */
function ratioCell(ratioBp: number | null, note: string | undefined): { value: number | string; numFmt?: string } {
  if (note) return { value: note };
  if (ratioBp === null) return { value: '' };
  return { value: ratioBp / 10_000, numFmt: ratioBp < 100 ? '0.0%' : '0%' };
}

/** the headline sentence of seed 000: 截止…，第二期互助活动统计参与职工300772人，已达到总目标参与人数（35万）的85.9%。 */
export function progressHeadline(
  periodName: string,
  today: string,
  h: { participants: number; target: number | null; ratioBp: number | null },
): string {
  const reached =
    h.target && h.ratioBp !== null
      ? `，已达到总目标参与人数（${chineseCount(h.target)}）的${(h.ratioBp / 100).toFixed(1)}%`
      : '';
  return `截止${chineseDate(today)}，${periodName}互助活动统计参与职工${h.participants}人${reached}。`;
}

/**
 * 医疗互助工作进度表 (seed 000): one sheet per category in the notice's layout — 序号, unit, the previous period's
 * 参加数, this period's 已完成数, 已完成数占会员总数比例 — sorted by ratio, with 合计, and the headline sentence.
 */
export async function exportProgress(db: Db, period: PeriodWithPolicy, file: string, today: string): Promise<void> {
  const r = await ranking(db, period);
  const prev = await previousPeriod(db, period);
  // no earlier period held here (the first one set up from files): name it as the notice does, 第一期 before 第二期
  const prevName =
    prev?.name ??
    (/^第.+期$/.test(period.name) && period.number > 1 ? `第${nzhcn.encodeS(period.number - 1)}期` : '上期');
  const headline = progressHeadline(period.name, today, r.headline);
  const wb = new ExcelJS.Workbook();
  for (const cat of r.categories) {
    const ws = wb.addWorksheet(cat.category.replace(/[\\/?*[\]:]/g, ''));
    ws.mergeCells('A1:E1');
    ws.getCell('A1').value = `${period.name}医疗互助工作进度表`;
    ws.getCell('A1').font = { bold: true, size: 14 };
    ws.getCell('A1').alignment = { horizontal: 'center' };
    ws.mergeCells('A2:E2');
    ws.getCell('A2').value = `日期：${chineseDate(today)}`;
    ws.getCell('A2').alignment = { horizontal: 'right' };
    const header = ws.addRow([
      '序号',
      cat.category,
      `${prevName}参加数`,
      `${period.name}已完成数`,
      '已完成数占会员总数比例',
    ]);
    header.font = { bold: true };
    for (const row of cat.rows) {
      const ratio = ratioCell(row.ratioBp, row.note);
      // the notice numbers only the units that have a ratio to rank by
      const added = ws.addRow([
        ratio.value === '' ? '' : row.rank,
        row.name,
        row.previousParticipants,
        row.participants,
        ratio.value,
      ]);
      if (ratio.numFmt) added.getCell(5).numFmt = ratio.numFmt;
    }
    const total = ws.addRow(['', '合计', cat.totals.previousParticipants, cat.totals.participants, '']);
    total.font = { bold: true };
    ws.addRow([]);
    ws.addRow(['注：按完成数占会员总数比例排序']);
    ws.getColumn(2).width = 36;
    for (const c of [3, 4, 5]) ws.getColumn(c).width = 16;
  }
  const sum = wb.addWorksheet('总计');
  sum.addRow(['上期参加数合计', r.totals.previousParticipants]);
  sum.addRow(['本期已完成数合计', r.totals.participants]);
  sum.addRow(['总目标参与人数', r.headline.target ?? '']);
  const ratio = sum.addRow(['完成比例', r.headline.ratioBp === null ? '' : r.headline.ratioBp / 10_000]);
  ratio.getCell(2).numFmt = '0.0%';
  sum.addRow([]);
  sum.addRow([headline]);
  sum.getColumn(1).width = 20;
  await wb.xlsx.writeFile(file);
}
