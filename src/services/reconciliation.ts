/**
 * 对账 for an officer in chat (issue #15 item 4; seeds 002, 004): within the person's own offices (an admin: all),
 * each office's paid participants and amount against what it remitted (reconcileOffices, the CLI's check), and each
 * unit's enrolled participants and fees due against those recorded paid — the persons and amounts still to collect.
 * Differences are shown, never corrected. The XLSX has one sheet for the offices and one for the units.
 */
import ExcelJS from 'exceljs';
import type { Db } from '../db/client.js';
import { reconcileApplication } from '../rules/index.js';
import type { PeriodWithPolicy } from './periods.js';
import { type OfficeReconciliation, reconcileOffices } from './programme/fees.js';

export interface UnitReconciliation {
  office: string;
  code: string;
  name: string;
  enrolled: { persons: number; amountFen: number };
  paid: { persons: number; amountFen: number };
  /** enrolled − paid: who has not paid yet, and how much */
  unpaid: { persons: number; amountFen: number };
  /** what the unit's group application (团体申请表) declared, when one was sent */
  application?: { persons: number; amountFen: number | null };
  /** the application against the roster, in Chinese; empty when they agree or there is no application */
  differences: string[];
}

export interface ReconciliationReport {
  offices: OfficeReconciliation[];
  units: UnitReconciliation[];
  /** whether a group application was compared */
  withApplication: boolean;
}

/** `officeIds` undefined: every office (an admin); otherwise only these. */
export async function reconciliationReport(
  db: Db,
  period: PeriodWithPolicy,
  officeIds?: readonly number[],
  application?: readonly { unitId: number; persons: number; amountFen: number | null }[],
): Promise<ReconciliationReport> {
  const orgs = await db.org.findMany({
    where: officeIds ? { OR: [{ id: { in: [...officeIds] } }, { officeId: { in: [...officeIds] } }] } : {},
    select: { id: true, code: true, name: true, kind: true, officeId: true },
  });
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const officeCodes = new Set(
    orgs.filter((o) => (officeIds ? officeIds.includes(o.id) : o.kind === 'office')).map((o) => o.code),
  );
  const offices = (await reconcileOffices(db, period)).filter((r) => officeCodes.has(r.office.code));
  const blank = (org: (typeof orgs)[number]): UnitReconciliation => ({
    office: (org.officeId !== null ? byId.get(org.officeId)?.name : undefined) ?? org.name,
    code: org.code,
    name: org.name,
    enrolled: { persons: 0, amountFen: 0 },
    paid: { persons: 0, amountFen: 0 },
    unpaid: { persons: 0, amountFen: 0 },
    differences: [],
  });
  const groups = await db.enrolment.groupBy({
    by: ['unitId', 'paid'],
    where: { periodId: period.id, kind: { not: 'none' }, ...(officeIds ? { unitId: { in: [...byId.keys()] } } : {}) },
    _count: { _all: true },
    _sum: { feeFen: true },
  });
  const units = new Map<number, UnitReconciliation>();
  for (const g of groups) {
    const org = byId.get(g.unitId);
    if (!org) continue;
    const u = units.get(g.unitId) ?? blank(org);
    const persons = g._count._all;
    const amountFen = g._sum.feeFen ?? 0;
    u.enrolled.persons += persons;
    u.enrolled.amountFen += amountFen;
    const side = g.paid ? u.paid : u.unpaid;
    side.persons += persons;
    side.amountFen += amountFen;
    units.set(g.unitId, u);
  }
  for (const a of application ?? []) {
    const org = byId.get(a.unitId);
    if (!org) continue; // the form was checked against the same scope (application-form.ts)
    const u = units.get(a.unitId) ?? blank(org);
    u.application = { persons: a.persons, amountFen: a.amountFen };
    u.differences = reconcileApplication(u.enrolled, u.application).map((d) => d.message);
    units.set(a.unitId, u);
  }
  return {
    offices,
    units: [...units.values()].sort((a, b) => a.code.localeCompare(b.code)),
    withApplication: application !== undefined,
  };
}

/** The report as the office's XLSX: 办事处对账 and 单位明细, amounts in yuan as numbers. */
export async function reconciliationWorkbook(r: ReconciliationReport, periodName: string): Promise<Buffer> {
  const yuan = (fen: number) => fen / 100;
  const money = '#,##0.00';
  const wb = new ExcelJS.Workbook();
  const o = wb.addWorksheet('办事处对账');
  o.addRow([`${periodName}互助金上交核对`]);
  o.addRow([
    '单位编码',
    '办事处',
    '名册已交费人数',
    '名册已交费金额（元）',
    '已上交人数',
    '已上交金额（元）',
    '人数差',
    '金额差（元）',
    '核对结果',
  ]);
  for (const x of r.offices) {
    const row = o.addRow([
      x.office.code,
      x.office.name,
      x.roster.persons,
      yuan(x.roster.amountFen),
      x.remitted.persons,
      yuan(x.remitted.amountFen),
      x.remitted.persons - x.roster.persons,
      yuan(x.remitted.amountFen - x.roster.amountFen),
      x.differences.length ? x.differences.join('') : '一致',
    ]);
    for (const c of [4, 6, 8]) row.getCell(c).numFmt = money;
  }
  const u = wb.addWorksheet('单位明细');
  u.addRow([
    '单位编码',
    '单位名称',
    '所属办事处',
    '参加人数',
    '应交金额（元）',
    '已交费人数',
    '已交费金额（元）',
    '未交费人数',
    '未交费金额（元）',
    ...(r.withApplication ? ['团体申请表人数', '团体申请表金额（元）', '申请表核对'] : []),
  ]);
  for (const x of r.units) {
    const row = u.addRow([
      x.code,
      x.name,
      x.office,
      x.enrolled.persons,
      yuan(x.enrolled.amountFen),
      x.paid.persons,
      yuan(x.paid.amountFen),
      x.unpaid.persons,
      yuan(x.unpaid.amountFen),
      ...(r.withApplication
        ? [
            x.application?.persons ?? null,
            x.application?.amountFen === null || x.application === undefined ? null : yuan(x.application.amountFen),
            x.application ? x.differences.join('') || '一致' : '未在申请表中',
          ]
        : []),
    ]);
    for (const c of [5, 7, 9, 11]) row.getCell(c).numFmt = money;
  }
  for (const ws of [o, u]) for (let c = 1; c <= 12; c++) ws.getColumn(c).width = 16;
  return Buffer.from(await wb.xlsx.writeBuffer());
}
