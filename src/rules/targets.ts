import { yuanText } from './money.js';

export interface ClaimTargets {
  persons: number;
  baseAmountFen: number;
  amountFen: number;
}

/**
 * RULES §7, seed 001 (Keqiao 2019): base amount = base persons × fee per person; a unit meets its claim target
 * when claims paid reach personsRatio of the base persons or amountRatio of the base amount.
 * Persons are rounded DOWN as the notice does (文旅局 179 × 2 % = 3.58 → 3); the amount is rounded UP to 1 分,
 * so that "paid ≥ amountFen" is exactly "paid ≥ 30 % of the base amount".
 * 柯桥街道 3400 → 68 persons, 204 000 元 → 61 200 元; 文旅局 179 → 3 persons, 10 740 元 → 3 222 元.
 */
export function claimTargets(a: {
  basePersons: number;
  feePerPersonFen: number;
  personsRatioBp: number;
  amountRatioBp: number;
}): ClaimTargets {
  const baseAmountFen = a.basePersons * a.feePerPersonFen;
  return {
    persons: Math.floor((a.basePersons * a.personsRatioBp) / 10_000),
    baseAmountFen,
    amountFen: Math.ceil((baseAmountFen * a.amountRatioBp) / 10_000),
  };
}

export interface ClaimTargetResult {
  met: boolean;
  byPersons: boolean;
  byAmount: boolean;
  summary: string;
}

/** Either criterion meets the target (seed 001: "赔付人数比例占2%及以上或赔付金额比例占30%及以上"). */
export function claimTargetMet(t: ClaimTargets, paid: { paidPersons: number; paidFen: number }): ClaimTargetResult {
  const byPersons = paid.paidPersons >= t.persons;
  const byAmount = paid.paidFen >= t.amountFen;
  const met = byPersons || byAmount;
  const summary = `赔付 ${paid.paidPersons} 人（目标 ${t.persons} 人）、${yuanText(paid.paidFen)} 元（目标 ${yuanText(t.amountFen)} 元）：${met ? '已完成' : '未完成'}`;
  return { met, byPersons, byAmount, summary };
}
