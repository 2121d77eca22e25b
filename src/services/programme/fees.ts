/**
 * Fee payments from a remittance list (缴费清单): one row per person the unit collected from — unit code, name or
 * ID tail (身份证后4位), amount, date. Each row must match exactly one enrolment of the period in that unit whose
 * fee is the amount; the whole list is applied or nothing. A payment already recorded is left as it is, so the
 * same list twice changes nothing. The remittance itself is kept per office (seeds 002, 004: the office remits).
 */
import { createHash } from 'node:crypto';
import { must } from '../../core/must.js';
import { providerOfDb } from '../../db/bulk.js';
import type { Db } from '../../db/client.js';
import { reconcile } from '../../rules/index.js';
import { audit } from '../audit.js';
import type { PeriodWithPolicy } from '../periods.js';
import { CODE, chunks, type Issue } from './plan.js';
import { readTable, TableFormatError, type TableSource } from './table.js';

/** the remittance list's columns, each by the headers offices write for it (file-kind.ts recognises the list) */
export const REMITTANCE_COLUMNS = {
  unit: ['单位编码'],
  name: ['姓名'],
  tail: ['身份证后4位', '身份证后四位'],
  amount: ['金额', '交费金额', '缴费金额'],
  date: ['交费日期', '缴费日期', '日期'],
} as const;

export interface FeeSummary {
  rows: number;
  paid: number;
  alreadyPaid: number;
  amountFen: number;
  /** remittances recorded, one per office on the list; 0 when this very list was recorded before */
  remittances: number;
}

export type FeeResult = { ok: true; summary: FeeSummary } | { ok: false; issues: Issue[] };

function fenOf(t: string): number | null {
  const m = /^(\d{1,6})(?:\.(\d{1,2}))?\s*元?$/.exec(t.replace(/[,，]/g, ''));
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : null;
}

export async function importFeePayments(o: {
  db: Db;
  source: TableSource;
  period: PeriodWithPolicy;
  actor: string;
  dryRun?: boolean;
}): Promise<FeeResult> {
  let table: Awaited<ReturnType<typeof readTable>>;
  try {
    table = await readTable(o.source);
  } catch (e) {
    if (e instanceof TableFormatError) return { ok: false, issues: [{ line: 0, message: e.message }] };
    throw e;
  }
  const col = Object.fromEntries(
    Object.entries(REMITTANCE_COLUMNS).map(([k, names]) => [
      k,
      table.header.findIndex((h) => (names as readonly string[]).includes(h)),
    ]),
  ) as Record<keyof typeof REMITTANCE_COLUMNS, number>;
  const missing: string[] = (['unit', 'amount', 'date'] as const)
    .filter((k) => col[k] < 0)
    .map((k) => REMITTANCE_COLUMNS[k][0]);
  if (col.name < 0 && col.tail < 0) missing.push('姓名 或 身份证后4位');
  if (missing.length)
    return { ok: false, issues: [{ line: 1, message: `缴费清单缺少必需的列：${missing.join('、')}` }] };

  const issues: Issue[] = [];
  const orgs = await o.db.org.findMany({ select: { id: true, code: true, officeId: true } });
  const units = new Map(orgs.map((u) => [u.code, u.id]));
  const officeOf = new Map(orgs.map((u) => [u.id, u.officeId]));
  const wanted: { line: number; unitId: number; name: string; tail: string; fen: number; date: string }[] = [];
  for (const r of table.rows) {
    const cell = (k: keyof typeof REMITTANCE_COLUMNS) => (col[k] >= 0 ? (r.cells[col[k]] ?? '') : '');
    const unit = cell('unit');
    const unitId = units.get(unit);
    if (!CODE.test(unit) || unitId === undefined)
      issues.push({ line: r.line, column: '单位编码', message: unit ? `找不到单位 ${unit}` : '单位编码为空' });
    const name = cell('name').replace(/\s+/g, '');
    const tail = cell('tail').toUpperCase();
    if (!name && !tail) issues.push({ line: r.line, column: '姓名', message: '姓名和身份证后4位至少填一项' });
    if (tail && !/^\d{3}[\dX]$/.test(tail))
      issues.push({ line: r.line, column: '身份证后4位', message: `应为 4 位，现为“${tail}”` });
    const fen = fenOf(cell('amount'));
    if (fen === null || fen === 0)
      issues.push({ line: r.line, column: '金额', message: `金额应为元数，如 120 或 120.00，现为“${cell('amount')}”` });
    const date = cell('date');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
      issues.push({ line: r.line, column: '交费日期', message: `日期应为 YYYY-MM-DD，现为“${date}”` });
    if (unitId !== undefined && fen) wanted.push({ line: r.line, unitId, name, tail, fen, date });
  }
  if (table.rows.length === 0) issues.push({ line: 0, message: '缴费清单中没有行' });

  // the enrolments of those units in this period, with who they are
  const unitIds = [...new Set(wanted.map((w) => w.unitId))];
  const enrolments: {
    id: number;
    unitId: number;
    feeFen: number;
    paid: boolean;
    member: { name: string; idLast4: string };
  }[] = [];
  for (const part of chunks(unitIds))
    enrolments.push(
      ...(await o.db.enrolment.findMany({
        where: { periodId: o.period.id, unitId: { in: part }, kind: { not: 'none' } },
        select: { id: true, unitId: true, feeFen: true, paid: true, member: { select: { name: true, idLast4: true } } },
      })),
    );
  const matched = new Map<number, { line: number; date: string; fen: number; paid: boolean; unitId: number }>();
  for (const w of wanted) {
    const hits = enrolments.filter(
      (e) => e.unitId === w.unitId && (!w.name || e.member.name === w.name) && (!w.tail || e.member.idLast4 === w.tail),
    );
    const who = [w.name, w.tail && `身份证后4位 ${w.tail}`].filter(Boolean).join('，');
    if (hits.length === 0) issues.push({ line: w.line, message: `${who}：本单位${o.period.name}没有这名参加人员` });
    else if (hits.length > 1)
      issues.push({ line: w.line, message: `${who}：本单位有 ${hits.length} 人符合，请同时填姓名和身份证后4位` });
    else {
      const e = must(hits[0], 'exactly one hit');
      if (e.feeFen !== w.fen)
        issues.push({
          line: w.line,
          column: '金额',
          message: `${who}应交 ${e.feeFen / 100} 元，清单为 ${w.fen / 100} 元`,
        });
      else if (matched.has(e.id))
        issues.push({ line: w.line, message: `${who}与第 ${matched.get(e.id)?.line} 行是同一人` });
      else matched.set(e.id, { line: w.line, date: w.date, fen: w.fen, paid: e.paid, unitId: e.unitId });
    }
  }
  if (issues.length) return { ok: false, issues: issues.sort((a, b) => a.line - b.line) };

  const fresh = [...matched].filter(([, m]) => !m.paid);
  // the list is the office's remittance (seeds 002, 004: offices remit); the same list twice is recorded once
  const digest = createHash('sha256')
    .update(JSON.stringify(table.rows.map((r) => r.cells)))
    .digest('hex')
    .slice(0, 16);
  const byOffice = new Map<number, { amountFen: number; persons: number; date: string }>();
  for (const m of matched.values()) {
    const office = officeOf.get(m.unitId);
    if (!office) continue;
    const r = byOffice.get(office) ?? { amountFen: 0, persons: 0, date: m.date };
    r.amountFen += m.fen;
    r.persons++;
    if (m.date > r.date) r.date = m.date;
    byOffice.set(office, r);
  }
  const reference = `list:${digest}`;
  const seen = await o.db.remittance.count({ where: { periodId: o.period.id, reference } });
  const summary: FeeSummary = {
    rows: table.rows.length,
    paid: fresh.length,
    alreadyPaid: matched.size - fresh.length,
    amountFen: fresh.reduce((s, [, m]) => s + m.fen, 0),
    remittances: seen ? 0 : byOffice.size,
  };
  if (o.dryRun || (fresh.length === 0 && seen)) return { ok: true, summary };
  await o.db.$transaction(async (tx) => {
    await markEnrolmentsPaid(
      tx,
      fresh.map(([id, m]) => ({ id, paidAt: new Date(`${m.date}T12:00:00+08:00`) })),
    );
    if (!seen)
      for (const [officeId, r] of byOffice)
        await tx.remittance.create({
          data: {
            periodId: o.period.id,
            officeId,
            amountFen: r.amountFen,
            persons: r.persons,
            remittedOn: r.date,
            reference,
          },
        });
    await audit(tx, o.actor, 'fees.import', 'Period', o.period.id, summary);
  });
  return { ok: true, summary };
}

/**
 * The one writer of a fee payment (remittance list, a rep's 已收费 in chat): only an enrolment not yet paid moves,
 * so a payment recorded once keeps its first date, and a repeat changes nothing. Returns the ids that moved.
 */
export async function markEnrolmentsPaid(
  tx: Pick<Db, 'enrolment'>,
  rows: readonly { id: number; paidAt: Date }[],
): Promise<Set<number>> {
  const moved = new Set<number>();
  for (const r of rows) {
    const n = await tx.enrolment.updateMany({
      where: { id: r.id, paid: false, kind: { not: 'none' } },
      data: { paid: true, paidAt: r.paidAt },
    });
    if (n.count > 0) moved.add(r.id);
  }
  return moved;
}

export interface OfficeReconciliation {
  office: { code: string; name: string };
  roster: { persons: number; amountFen: number };
  remitted: { persons: number; amountFen: number };
  differences: string[];
}

/**
 * Each office's paid participants this period against what it remitted (seeds 002, 004: "确保参加人数和上缴金额
 * 一致"). A mismatch is shown, never corrected.
 */
export async function reconcileOffices(db: Db, period: PeriodWithPolicy): Promise<OfficeReconciliation[]> {
  const [enrolled, remitted] = await Promise.all([
    db.$queryRawUnsafe<{ officeId: number; persons: number | bigint; amountFen: number | bigint | null }[]>(
      `SELECT o."officeId" AS "officeId", COUNT(*) AS "persons", SUM(e."feeFen") AS "amountFen"
       FROM "Enrolment" e JOIN "Org" o ON o."id" = e."unitId"
       WHERE e."periodId" = ${providerOfDb(db) === 'postgresql' ? '$1' : '?'} AND e."kind" <> 'none' AND e."paid" = ${providerOfDb(db) === 'postgresql' ? 'true' : '1'}
       GROUP BY o."officeId"`,
      period.id,
    ),
    db.remittance.groupBy({
      by: ['officeId'],
      where: { periodId: period.id },
      _sum: { amountFen: true, persons: true },
    }),
  ]);
  const ids = [...new Set([...enrolled.map((e) => Number(e.officeId)), ...remitted.map((r) => r.officeId)])].filter(
    Boolean,
  );
  const offices = new Map(
    (await db.org.findMany({ where: { id: { in: ids } }, select: { id: true, code: true, name: true } })).map((o) => [
      o.id,
      o,
    ]),
  );
  return ids
    .map((id) => {
      const e = enrolled.find((x) => Number(x.officeId) === id);
      const r = remitted.find((x) => x.officeId === id);
      const roster = { persons: Number(e?.persons ?? 0), amountFen: Number(e?.amountFen ?? 0) };
      const paid = { persons: r?._sum.persons ?? 0, amountFen: r?._sum.amountFen ?? 0 };
      const result = reconcile(roster, paid);
      return {
        office: { code: offices.get(id)?.code ?? String(id), name: offices.get(id)?.name ?? '' },
        roster,
        remitted: paid,
        differences: result.ok ? [] : result.differences.map((d) => d.message),
      };
    })
    .sort((a, b) => a.office.code.localeCompare(b.office.code));
}
