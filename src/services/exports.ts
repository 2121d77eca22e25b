/**
 * Files a union office opens in Excel or WPS: the unit roster and the progress table in the style of seed 000.
 * Written with exceljs's streaming writer so a large roster does not sit in memory.
 */
import ExcelJS from 'exceljs';
import type { Db } from '../db/client.js';
import type { PeriodWithPolicy } from './periods.js';
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
    cursor = page.at(-1)!.id;
  }
  ws.commit();
  await wb.commit();
  return no;
}

/** 医疗互助工作进度表 (seed 000): one sheet per category, sorted by ratio, with totals and the headline. */
export async function exportProgress(db: Db, period: PeriodWithPolicy, file: string, today: string): Promise<void> {
  const r = await ranking(db, period);
  const wb = new ExcelJS.Workbook();
  for (const cat of r.categories) {
    const ws = wb.addWorksheet(cat.category.replace(/[\\/?*[\]:]/g, ''));
    ws.mergeCells('A1:E1');
    ws.getCell('A1').value = `${period.name}医疗互助工作进度表`;
    ws.getCell('A1').font = { bold: true, size: 14 };
    ws.getCell('A1').alignment = { horizontal: 'center' };
    ws.mergeCells('A2:E2');
    ws.getCell('A2').value = `日期：${today}`;
    ws.getCell('A2').alignment = { horizontal: 'right' };
    const header = ws.addRow(['序号', cat.category, '上期参加数', '本期已完成数', '已完成数占会员总数比例']);
    header.font = { bold: true };
    for (const row of cat.rows)
      ws.addRow([row.rank ?? '', row.name, row.previousParticipants, row.participants, row.display]);
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
  sum.addRow(['完成比例', r.headline.display]);
  sum.getColumn(1).width = 20;
  await wb.xlsx.writeFile(file);
}
