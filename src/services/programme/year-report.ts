/**
 * The yearly statistics report of seed 004 (附件1: 年度职工大病医疗互助活动运行情况统计表) as the XLSX an office files:
 * participants and funds of the period, what was remitted, and the aid of the calendar year up to the balance day
 * (src/rules/year-report.ts computes; this gathers the rows and writes the sheet). 回拨 (money the city returns) is
 * not recorded by huzhu yet: the column shows 0 and the note says so.
 */
import fs from 'node:fs/promises';
import ExcelJS from 'exceljs';
import type { Db } from '../../db/client.js';
import { type ClaimStatus, parseEnrolmentKind, shanghaiDate, type YearReport, yearReport } from '../../rules/index.js';
import type { PeriodWithPolicy } from '../periods.js';

/**
 * `officeIds` undefined: the whole programme (an admin, the CLI); otherwise only these offices' units, remittances
 * and members' claims (an officer sees only their own office).
 */
export async function buildYearReport(
  db: Db,
  period: PeriodWithPolicy,
  year: number,
  officeIds?: readonly number[],
): Promise<YearReport> {
  const unitIds = officeIds
    ? (
        await db.org.findMany({
          where: { OR: [{ id: { in: [...officeIds] } }, { officeId: { in: [...officeIds] } }] },
          select: { id: true },
        })
      ).map((o) => o.id)
    : undefined;
  const [enrolments, remittances, claims] = await Promise.all([
    db.enrolment.findMany({
      where: { periodId: period.id, ...(unitIds ? { unitId: { in: unitIds } } : {}) },
      select: { kind: true, feeFen: true, paid: true },
    }),
    db.remittance.findMany({
      where: { periodId: period.id, ...(officeIds ? { officeId: { in: [...officeIds] } } : {}) },
      select: { remittedOn: true, amountFen: true },
    }),
    // aid counts by calendar year, whatever period the stay belonged to (说明 2)
    db.claim.findMany({
      where: {
        period: { programmeId: period.programmeId },
        status: { in: ['approved', 'paid'] satisfies ClaimStatus[] },
        ...(unitIds ? { member: { unitId: { in: unitIds } } } : {}),
      },
      select: {
        memberId: true,
        majorIllness: true,
        subsidyFen: true,
        paidAt: true,
        approvals: {
          where: { decision: 'approve' },
          select: { decidedAt: true },
          orderBy: { decidedAt: 'desc' },
          take: 1,
        },
      },
    }),
  ]);
  return yearReport({
    year,
    enrolments: enrolments.map((e) => ({ kind: parseEnrolmentKind(e.kind), feeFen: e.feeFen, paid: e.paid })),
    remittances: remittances.map((r) => ({ date: r.remittedOn, amountFen: r.amountFen })),
    returns: [],
    claims: claims.map((c) => ({
      memberId: c.memberId,
      majorIllness: c.majorIllness,
      subsidyFen: c.subsidyFen,
      paidOn: c.paidAt ? shanghaiDate(c.paidAt) : null,
      approvedOn: c.approvals[0] ? shanghaiDate(c.approvals[0].decidedAt) : null,
    })),
  });
}

export async function exportYearReport(
  db: Db,
  period: PeriodWithPolicy,
  year: number,
  office: string,
  file: string,
): Promise<YearReport> {
  const { report, bytes } = await yearReportWorkbook(db, period, year, office);
  await fs.writeFile(file, bytes);
  return report;
}

/** The report and its XLSX (the same sheet the CLI writes), for `office` (the 填报单位) and its data only. */
export async function yearReportWorkbook(
  db: Db,
  period: PeriodWithPolicy,
  year: number,
  office: string,
  officeIds?: readonly number[],
): Promise<{ report: YearReport; bytes: Buffer }> {
  const r = await buildYearReport(db, period, year, officeIds);
  const yuan = (fen: number) => fen / 100;
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(`${year}年度统计表`);
  ws.mergeCells('A1:I1');
  ws.getCell('A1').value = `${year}年度职工大病医疗互助活动运行情况统计表`;
  ws.getCell('A1').font = { bold: true, size: 14 };
  ws.getCell('A1').alignment = { horizontal: 'center' };
  ws.addRow([`填报单位：${office}`, '', '', '', '', '', '', '', `${period.name}`]);
  ws.addRow([
    '参与职工人数',
    '筹集资金',
    '上缴市总工会金额',
    '市总累计回拨金额',
    '救助情况',
    '',
    '',
    '',
    `截止${r.balanceOn.slice(5).replace('-', '月')}日账面累计结余资金`,
  ]);
  ws.addRow(['', '', '', '', '救助职工人数', '支付互助金', '其中救助患重大疾病职工人数', '支付互助金', '']);
  ws.mergeCells('E3:H3');
  const row = ws.addRow([
    r.participants,
    yuan(r.fundsRaisedFen),
    yuan(r.remittedFen),
    yuan(r.returnedFen),
    r.aidedPersons,
    yuan(r.aidPaidFen),
    r.majorIllnessPersons,
    yuan(r.majorIllnessPaidFen),
    yuan(r.balanceFen),
  ]);
  for (const c of [2, 3, 4, 6, 8, 9]) row.getCell(c).numFmt = '#,##0.00';
  ws.addRow([]);
  ws.addRow(['说明：1.参与职工人数、筹集资金以互助期为单位进行统计；']);
  ws.addRow([`2.救助情况以自然年度即${year}年1月1日至${r.balanceOn.slice(5).replace('-', '月')}日进行统计；`]);
  ws.addRow([
    `3.账面结余资金已扣除已审批但未支付的互助金（${yuan(r.approvedUnpaidFen).toFixed(2)} 元）；市总回拨金额本系统未登记，按 0 计。`,
  ]);
  for (let c = 1; c <= 9; c++) ws.getColumn(c).width = 16;
  return { report: r, bytes: Buffer.from(await wb.xlsx.writeBuffer()) };
}
