/**
 * The subsidy (补助) for one hospital stay, in integer 分.
 *
 * 1. Counted amount: the self-paid part (先自付, seed 003) when policy.subsidy.selfPaidOnly, otherwise total
 *    minus basic insurance; limited by the "大病段" ceiling when the policy has one (countedCeilingFen).
 * 2. Deductible (补助起点, 800 元 in seed 002): the counted amount up to it earns nothing, per stay.
 * 3. Segments (see SegmentSchema in policy.ts: absolute bounds, deductible applied on top):
 *    banded — each band's rate on the part above the deductible inside that band (分段累进);
 *    whole  — the rate of the band holding the counted amount, on all of it above the deductible.
 *    Rounding: each band's subsidy is rounded half-up to 1 分 on its own, then the bands are summed, so the
 *    breakdown shown to the member adds up exactly to the total.
 * 4. Cap (封顶, 80 000 元 in seed 000) per member per period: at most cap minus what was already paid this period.
 *
 * Example, the Hainan 4th-period table (RULES §5/§12) with deductible 1 000 元, self-paid 8 800 元:
 * 4 000 × 50 % + 3 800 × 60 % = 2 000 + 2 280 = 4 280 元.
 */

import { must } from '../core/must.js';
import { mulDivHalfUp } from './money.js';
import type { Policy } from './policy.js';

export interface ClaimAmounts {
  totalFen: number;
  basicInsuranceFen: number;
  selfPaidFen: number;
  majorIllness: boolean;
}

export interface SubsidySegment {
  /** the band's part above the deductible: from..to in counted-amount fen */
  fromFen: number;
  toFen: number | null;
  rateBp: number;
  /** counted amount falling in this band (above the deductible) */
  amountFen: number;
  subsidyFen: number;
}

export interface Subsidy {
  /** what is paid for this claim */
  subsidyFen: number;
  /** the policy's deductible (起付线) */
  deductibleFen: number;
  /** the counted amount (self-paid part, after the 大病段 ceiling), before the deductible */
  countedFen: number;
  /** the sum of the bands before the cap */
  uncappedFen: number;
  /** how much the cap took away (0 when not reached) */
  cappedBy: number;
  /** what is left of the member's cap for this period after this claim */
  capRemainingFen: number;
  segments: SubsidySegment[];
}

function assertFen(name: string, v: number) {
  if (!Number.isSafeInteger(v) || v < 0)
    throw new RangeError(`${name} must be a non-negative integer of fen, got ${v}`);
}

export function countedAmount(policy: Policy, c: ClaimAmounts): number {
  const base = policy.subsidy.selfPaidOnly ? c.selfPaidFen : Math.max(0, c.totalFen - c.basicInsuranceFen);
  const ceiling = policy.subsidy.countedCeilingFen;
  return ceiling === null ? base : Math.min(base, ceiling);
}

export function computeSubsidy(policy: Policy, claim: ClaimAmounts, history: { paidThisPeriodFen: number }): Subsidy {
  assertFen('totalFen', claim.totalFen);
  assertFen('basicInsuranceFen', claim.basicInsuranceFen);
  assertFen('selfPaidFen', claim.selfPaidFen);
  assertFen('paidThisPeriodFen', history.paidThisPeriodFen);
  const { deductibleFen, segments: bands, mode, capFen } = policy.subsidy;
  const countedFen = countedAmount(policy, claim);
  const segments: SubsidySegment[] = [];
  if (mode === 'banded') {
    for (const b of bands) {
      if (b.toFen !== null && b.toFen <= deductibleFen) continue;
      const from = Math.max(b.fromFen, deductibleFen);
      const top = b.toFen === null ? countedFen : Math.min(countedFen, b.toFen);
      const amountFen = Math.max(0, top - from);
      segments.push({
        fromFen: from,
        toFen: b.toFen,
        rateBp: b.rateBp,
        amountFen,
        subsidyFen: mulDivHalfUp(amountFen, b.rateBp, 10_000),
      });
    }
  } else if (countedFen > deductibleFen) {
    // bands are contiguous, ascending and end open (schema), covering (from, to]: the holding band is the last
    // one starting below the amount
    const b = must(
      bands.filter((x) => x.fromFen < countedFen).at(-1),
      'the first band starts at the deductible, below the amount',
    );
    const amountFen = countedFen - deductibleFen;
    segments.push({
      fromFen: deductibleFen,
      toFen: countedFen,
      rateBp: b.rateBp,
      amountFen,
      subsidyFen: mulDivHalfUp(amountFen, b.rateBp, 10_000),
    });
  }
  const uncappedFen = segments.reduce((s, x) => s + x.subsidyFen, 0);
  const room = Math.max(0, capFen - history.paidThisPeriodFen);
  const subsidyFen = Math.min(uncappedFen, room);
  return {
    subsidyFen,
    deductibleFen,
    countedFen,
    uncappedFen,
    cappedBy: uncappedFen - subsidyFen,
    capRemainingFen: room - subsidyFen,
    segments,
  };
}
