/**
 * Paying approved claims: marking them paid (each claim once, by an officer of its office), what a repeated mark is
 * told (when and by whom), and the payment list the finance office works from (XLSX).
 * A claim approved before its member's unit was found in breach of the entry rules (seed 004: 不予退款，不予补助) is
 * never paid: the mark reads the unit's standing in the transaction that writes it, 全部已支付 holds such claims
 * back on its card, and the payment list puts them on a sheet of their own, out of the total.
 */
import ExcelJS from 'exceljs';
import { z } from 'zod';
import { jsonColumn } from '../core/json-column.js';
import type { Db } from '../db/client.js';
import { type ClaimStatus, parseClaimStatus, shanghaiStamp, transition } from '../rules/index.js';
import { audit } from './audit.js';
import { planClaimDeliveries } from './claim-outbox.js';
import { memberEntryStanding, membersInBreach } from './participation.js';
import { type PeriodWithPolicy, periodById } from './periods.js';

export interface Payer {
  memberId: number;
  name: string;
  offices: number[];
}

/** Why a claim number given to 已支付 was not marked: already paid (when, by whom), not approved, or not ours. */
export type NotMarked =
  | { id: number; reason: 'paid'; at: string; by: string }
  | { id: number; reason: 'not_approved'; status: ClaimStatus }
  /** the member's unit breaks the entry rules: no subsidy (message: why, in Chinese) */
  | { id: number; reason: 'entry_breach'; message: string }
  | { id: number; reason: 'unknown' };

export interface MarkPaidResult {
  moved: { id: number; subsidyFen: number }[];
  notMarked: NotMarked[];
  /** the workers' notices and card redraws, planned with each mark: enqueue them */
  deliveries: string[];
}

/** The audit entry of a mark: who marked the claim paid (other fields are the audit's own). */
const PaidDetails = z.object({ by: z.string().optional() });

/** When and by whom a paid claim was marked: the audit entry of the mark. */
async function paidBy(db: Db, claimId: number): Promise<{ at: string; by: string }> {
  const [c, entry] = await Promise.all([
    db.claim.findUnique({ where: { id: claimId }, select: { paidAt: true } }),
    db.auditLog.findFirst({
      where: { subjectType: 'Claim', subjectId: String(claimId), action: 'claim.paid' },
      orderBy: { id: 'desc' },
    }),
  ]);
  const details = entry?.details ? jsonColumn(PaidDetails, entry.details, 'AuditLog.details of claim.paid') : {};
  return { at: c?.paidAt ? shanghaiStamp(c.paidAt) : '', by: details.by ?? '' };
}

/** Marks approved claims of the payer's offices as paid, each in its own conditional update. */
export async function markPaid(
  db: Db,
  claimIds: number[],
  who: Payer,
  actor: string,
  now: Date,
  outbox?: { platforms: string[] },
) {
  const ids = [...new Set(claimIds)];
  const claims = await db.claim.findMany({
    where: { id: { in: ids }, officeId: { in: who.offices } },
    select: { id: true, status: true, subsidyFen: true, periodId: true, memberId: true },
  });
  const result: MarkPaidResult = { moved: [], notMarked: [], deliveries: [] };
  for (const id of ids) {
    const c = claims.find((x) => x.id === id);
    // a claim of another office is as unknown as a claim that does not exist
    if (!c) {
      result.notMarked.push({ id, reason: 'unknown' });
      continue;
    }
    const move = transition(parseClaimStatus(c.status), 'pay');
    const period = move.ok ? await periodById(db, c.periodId) : null;
    // set inside the transaction when the unit stands in breach (an object: TS does not follow a closure's writes)
    const held: { reason: string | null } = { reason: null };
    const ok =
      move.ok &&
      period !== null &&
      (await db.$transaction(async (tx) => {
        // read with the write: a unit found in breach after the claim's approval stops its payment
        const standing = await memberEntryStanding(tx, period, c.memberId);
        if (!standing.ok) {
          held.reason = standing.reason;
          return false;
        }
        const u = await tx.claim.updateMany({
          where: { id, status: move.from },
          data: { status: move.to, paidAt: now, version: { increment: 1 } },
        });
        if (u.count === 1)
          await audit(tx, actor, 'claim.paid', 'Claim', id, {
            by: who.name,
            byMemberId: who.memberId,
            subsidyFen: c.subsidyFen,
          });
        if (u.count === 1 && outbox)
          result.deliveries.push(
            ...(await planClaimDeliveries(tx, id, {
              ...outbox,
              notice: { to: move.to, comment: null },
              refresh: true,
            })),
          );
        return u.count === 1;
      }));
    if (ok) {
      result.moved.push({ id, subsidyFen: c.subsidyFen });
      continue;
    }
    if (held.reason !== null) {
      result.notMarked.push({ id, reason: 'entry_breach', message: held.reason });
      continue;
    }
    const row = await db.claim.findUnique({ where: { id }, select: { status: true } });
    const status = parseClaimStatus(row?.status ?? c.status);
    if (status === 'paid') result.notMarked.push({ id, reason: 'paid', ...(await paidBy(db, id)) });
    else result.notMarked.push({ id, reason: 'not_approved', status });
  }
  return result;
}

/** An approved claim held back from payment: its member's unit breaks the entry rules (why, in Chinese). */
export interface HeldBack {
  id: number;
  subsidyFen: number;
  reason: string;
}

/**
 * What 全部已支付 may mark for these offices: their approved, unpaid claims, split into those that may be paid and
 * those held back because the member's unit breaks the entry rules (seed 004). The mark checks again.
 */
export async function payableOf(
  db: Db,
  offices: number[],
): Promise<{ payable: { id: number; subsidyFen: number }[]; heldBack: HeldBack[] }> {
  const claims = await db.claim.findMany({
    where: { officeId: { in: offices }, status: 'approved' satisfies ClaimStatus },
    select: { id: true, subsidyFen: true, periodId: true, memberId: true },
    orderBy: { id: 'asc' },
  });
  const breach = await breachOfClaims(db, claims);
  const payable: { id: number; subsidyFen: number }[] = [];
  const heldBack: HeldBack[] = [];
  for (const c of claims) {
    const reason = breach.get(c.id);
    if (reason) heldBack.push({ id: c.id, subsidyFen: c.subsidyFen, reason });
    else payable.push({ id: c.id, subsidyFen: c.subsidyFen });
  }
  return { payable, heldBack };
}

/** claim id → why it may not be paid, for the claims whose member's unit breaks the entry rules of its period */
async function breachOfClaims(
  db: Db,
  claims: readonly { id: number; periodId: number; memberId: number }[],
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const periodId of new Set(claims.map((c) => c.periodId))) {
    const of = claims.filter((c) => c.periodId === periodId);
    const members = await membersInBreach(
      db,
      await periodById(db, periodId),
      of.map((c) => c.memberId),
    );
    for (const c of of) {
      const reason = members.get(c.memberId);
      if (reason) out.set(c.id, reason);
    }
  }
  return out;
}

export interface PaymentRow {
  id: number;
  name: string;
  unit: string;
  office: string;
  hospital: string;
  stay: string;
  subsidyFen: number;
  status: string;
  /** office's approval, and the centre's for two-level claims */
  approvedL1: string;
  approvedL2: string;
  paidAt: string;
  /** an unpaid claim whose member's unit breaks the entry rules: why it is held back (null: it may be paid) */
  heldBack: string | null;
}

/**
 * Approved (unpaid, or also paid) claims of a period, optionally of one office, in claim order; an unpaid claim
 * whose member's unit breaks the entry rules says why it is held back.
 */
export async function paymentRows(
  db: Db,
  period: PeriodWithPolicy,
  o: { officeId?: number; includePaid?: boolean } = {},
): Promise<PaymentRow[]> {
  const claims = await db.claim.findMany({
    where: {
      periodId: period.id,
      status: {
        in: o.includePaid ? (['approved', 'paid'] satisfies ClaimStatus[]) : (['approved'] satisfies ClaimStatus[]),
      },
      ...(o.officeId ? { officeId: o.officeId } : {}),
    },
    orderBy: { id: 'asc' },
    include: {
      member: { select: { name: true, unit: { select: { name: true } } } },
      approvals: { where: { decision: 'approve' }, orderBy: { id: 'asc' } },
    },
  });
  const offices = new Map(
    (
      await db.org.findMany({
        where: { id: { in: [...new Set(claims.flatMap((c) => (c.officeId ? [c.officeId] : [])))] } },
        select: { id: true, name: true },
      })
    ).map((x) => [x.id, x.name]),
  );
  const breach = await breachOfClaims(
    db,
    claims.filter((c) => parseClaimStatus(c.status) === 'approved'),
  );
  const at = (level: number, c: (typeof claims)[number]) => {
    const a = c.approvals.find((x) => x.level === level);
    return a ? shanghaiStamp(a.decidedAt) : '';
  };
  return claims.map((c) => ({
    id: c.id,
    name: c.member.name,
    unit: c.member.unit.name,
    office: c.officeId ? (offices.get(c.officeId) ?? '') : '',
    hospital: c.hospital,
    stay: `${c.admittedOn} 至 ${c.dischargedOn}`,
    subsidyFen: c.subsidyFen,
    status: parseClaimStatus(c.status) === 'paid' ? '已支付' : '待支付',
    approvedL1: at(1, c),
    approvedL2: at(2, c),
    paidAt: c.paidAt ? shanghaiStamp(c.paidAt) : '',
    heldBack: breach.get(c.id) ?? null,
  }));
}

/**
 * 补助支付清单: one row per approved claim, amounts in 元 with 2 decimals, and the total. Claims held back (the
 * member's unit breaks the entry rules) are not on it: they go to a 暂缓支付 sheet with the reason, out of the total,
 * so the finance office cannot pay them by mistake.
 */
export async function exportPayments(
  db: Db,
  period: PeriodWithPolicy,
  file: string,
  o: { officeId?: number; includePaid?: boolean; today: string },
): Promise<{ rows: number; totalFen: number; heldBack: number }> {
  const all = await paymentRows(db, period, o);
  const rows = all.filter((r) => r.heldBack === null);
  const held = all.filter((r) => r.heldBack !== null);
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('补助支付清单');
  ws.mergeCells('A1:J1');
  ws.getCell('A1').value = `${period.name}职工医疗互助补助支付清单`;
  ws.getCell('A1').font = { bold: true, size: 14 };
  ws.getCell('A1').alignment = { horizontal: 'center' };
  ws.mergeCells('A2:J2');
  ws.getCell('A2').value = `导出日期：${o.today}`;
  ws.getCell('A2').alignment = { horizontal: 'right' };
  const header = ws.addRow([
    '申请编号',
    '姓名',
    '单位',
    '办事处',
    '医院',
    '住院日期',
    '补助金额（元）',
    '办事处批准',
    '中心复核',
    '状态',
  ]);
  header.font = { bold: true };
  let totalFen = 0;
  for (const r of rows) {
    totalFen += r.subsidyFen;
    ws.addRow([
      r.id,
      r.name,
      r.unit,
      r.office,
      r.hospital,
      r.stay,
      r.subsidyFen / 100,
      r.approvedL1,
      r.approvedL2,
      r.paidAt ? `已支付 ${r.paidAt}` : r.status,
    ]);
  }
  const total = ws.addRow(['合计', `${rows.length} 笔`, '', '', '', '', totalFen / 100]);
  total.font = { bold: true };
  if (held.length)
    ws.addRow([`另有 ${held.length} 笔因单位不符合入口规定暂缓支付（不予补助），见“暂缓支付”工作表，未计入合计`]);
  ws.getColumn(7).numFmt = '#,##0.00';
  const widths = [10, 10, 28, 18, 20, 26, 14, 18, 18, 22];
  widths.forEach((w, i) => {
    ws.getColumn(i + 1).width = w;
  });
  if (held.length) {
    const hs = wb.addWorksheet('暂缓支付');
    hs.addRow(['申请编号', '姓名', '单位', '办事处', '核定金额（元）', '办事处批准', '暂缓原因']).font = { bold: true };
    for (const r of held)
      hs.addRow([r.id, r.name, r.unit, r.office, r.subsidyFen / 100, r.approvedL1, `${r.heldBack}按规定不予补助`]);
    hs.getColumn(5).numFmt = '#,##0.00';
    [10, 10, 28, 18, 14, 18, 60].forEach((w, i) => {
      hs.getColumn(i + 1).width = w;
    });
  }
  await wb.xlsx.writeFile(file);
  return { rows: rows.length, totalFen, heldBack: held.length };
}

export async function officeByCode(db: Db, code: string) {
  return db.org.findUnique({ where: { code }, select: { id: true, name: true, kind: true } });
}
