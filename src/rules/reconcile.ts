/**
 * Seeds 002 and 004: the amount an office remits must equal its roster's sum of fees ("上交的互助金金额，应与
 * 参互系统的统计数据相一致"), and participant counts must match the group application (团体申请表, "确保参加
 * 人数和上缴金额一致"). A mismatch is reported, field by field; nothing is corrected.
 */

import type { EnrolmentKind } from './enrolment-kind.js';
import { yuanText } from './money.js';

export interface RosterLine {
  kind: EnrolmentKind;
  feeFen: number;
}

/** The roster as its rows, or as totals already summed (persons = participants, not 未参 rows). */
export type RosterInput = RosterLine[] | { persons: number; amountFen: number };

export interface Remittance {
  amountFen: number;
  persons: number;
  /** persons declared on the group application (团体申请表), when there is one */
  applicationPersons?: number;
}

export interface Difference {
  field: string;
  expected: number;
  actual: number;
  message: string;
}

export type Reconciliation = { ok: true } | { ok: false; differences: Difference[] };

export function rosterTotals(roster: RosterInput): { persons: number; amountFen: number; differences: Difference[] } {
  if (!Array.isArray(roster)) return { ...roster, differences: [] };
  let persons = 0;
  let amountFen = 0;
  const differences: Difference[] = [];
  roster.forEach((r, i) => {
    if (r.kind === 'none') {
      // a 未参 row stays on the roster (seed 003) and pays nothing
      if (r.feeFen !== 0)
        differences.push({
          field: `roster[${i}].feeFen`,
          expected: 0,
          actual: r.feeFen,
          message: `名册第 ${i + 1} 行为“未参”，却填有交费 ${yuanText(r.feeFen)} 元。`,
        });
      return;
    }
    persons++;
    amountFen += r.feeFen;
  });
  return { persons, amountFen, differences };
}

export function reconcile(roster: RosterInput, remittance: Remittance): Reconciliation {
  const t = rosterTotals(roster);
  const differences = [...t.differences];
  if (remittance.amountFen !== t.amountFen)
    differences.push({
      field: 'amountFen',
      expected: t.amountFen,
      actual: remittance.amountFen,
      message: `上交金额 ${yuanText(remittance.amountFen)} 元与名册合计 ${yuanText(t.amountFen)} 元不一致，相差 ${yuanText(Math.abs(remittance.amountFen - t.amountFen))} 元。`,
    });
  if (remittance.persons !== t.persons)
    differences.push({
      field: 'persons',
      expected: t.persons,
      actual: remittance.persons,
      message: `上交人数 ${remittance.persons} 人与名册参互人数 ${t.persons} 人不一致。`,
    });
  if (remittance.applicationPersons !== undefined && remittance.applicationPersons !== t.persons)
    differences.push({
      field: 'applicationPersons',
      expected: t.persons,
      actual: remittance.applicationPersons,
      message: `团体申请表人数 ${remittance.applicationPersons} 人与名册参互人数 ${t.persons} 人不一致。`,
    });
  return differences.length ? { ok: false, differences } : { ok: true };
}

/**
 * A unit's group application (团体申请表, seeds 002 and 004: "确保参加人数和上缴金额一致") against its roster: the
 * persons it declared, and the amount when the form gives one, against the participants enrolled and their fees.
 */
export function reconcileApplication(
  roster: { persons: number; amountFen: number },
  application: { persons: number; amountFen: number | null },
): Difference[] {
  const out: Difference[] = [];
  if (application.persons !== roster.persons)
    out.push({
      field: 'applicationPersons',
      expected: roster.persons,
      actual: application.persons,
      message: `团体申请表人数 ${application.persons} 人与名册参互人数 ${roster.persons} 人不一致。`,
    });
  if (application.amountFen !== null && application.amountFen !== roster.amountFen)
    out.push({
      field: 'applicationAmountFen',
      expected: roster.amountFen,
      actual: application.amountFen,
      message: `团体申请表金额 ${yuanText(application.amountFen)} 元与名册应交 ${yuanText(roster.amountFen)} 元不一致，相差 ${yuanText(Math.abs(application.amountFen - roster.amountFen))} 元。`,
    });
  return out;
}
