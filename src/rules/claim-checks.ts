/**
 * The money and date rules a claim meets at every step (submission, each approval level, enrolment confirm),
 * as pure functions over the period's policy. The services call them inside the transaction that commits.
 */
import type { Policy } from './policy.js';

/** One hospital stay: admission and discharge dates, Asia/Shanghai, 'YYYY-MM-DD'. */
export interface Stay {
  admittedOn: string;
  dischargedOn: string;
}

/**
 * How two stays of the same member relate:
 * - `same`: identical dates — the same stay claimed twice;
 * - `overlap`: they share more than a boundary day — a member cannot be in two hospitals at once, so at least one
 *   claim is wrong (or the same stay split in two);
 * - `adjacent`: one ends on the day the other begins — a transfer (转院) looks like this: allowed, but the officer
 *   is told, so one bill is not counted in both;
 * - `apart`: nothing in common.
 */
export type StayRelation = 'same' | 'overlap' | 'adjacent' | 'apart';

export function relateStays(a: Stay, b: Stay): StayRelation {
  if (a.admittedOn === b.admittedOn && a.dischargedOn === b.dischargedOn) return 'same';
  if (a.dischargedOn < b.admittedOn || b.dischargedOn < a.admittedOn) return 'apart';
  // the dates touch: only a shared boundary day (a one-day stay on that day shares more than a boundary)
  const touching =
    (a.dischargedOn === b.admittedOn && a.admittedOn < a.dischargedOn && b.admittedOn < b.dischargedOn) ||
    (b.dischargedOn === a.admittedOn && b.admittedOn < b.dischargedOn && a.admittedOn < a.dischargedOn);
  return touching ? 'adjacent' : 'overlap';
}

/** A stay belongs to the period it was admitted in (claim-window.ts); null when it does, else the reason. */
export function admissionOutsidePeriod(policy: Policy, admittedOn: string): string | null {
  const name = policy.periodName;
  if (admittedOn < policy.startsOn)
    return `入院日期 ${admittedOn} 早于${name}开始日期 ${policy.startsOn}，不属于${name}的补助范围。`;
  if (admittedOn > policy.endsOn)
    return `入院日期 ${admittedOn} 晚于${name}结束日期 ${policy.endsOn}，不属于${name}的补助范围。`;
  return null;
}

export interface CapGrant {
  /** what this decision may grant: the rules' amount, limited by what is left of the cap */
  grantedFen: number;
  /** the rules' amount before the cap (the per-stay bands) */
  uncappedFen: number;
  /** cap minus what the member's other counted claims (approved at any level, or paid) hold this period */
  roomFen: number;
  /** what the cap took away from this claim */
  cappedBy: number;
  /** what is left of the cap after this claim is granted */
  capRemainingFen: number;
}

/**
 * The per-member cap (封顶, 80 000 元 in Hainan after its raise, seed 000) over the period: paid + approved +
 * this claim never exceed it. `othersFen` is the sum of the member's other claims that count against the cap.
 */
export function capGrant(policy: Policy, uncappedFen: number, othersFen: number): CapGrant {
  for (const [k, v] of [
    ['uncappedFen', uncappedFen],
    ['othersFen', othersFen],
  ] as const)
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${k} must be a non-negative integer of fen, got ${v}`);
  const roomFen = Math.max(0, policy.subsidy.capFen - othersFen);
  const grantedFen = Math.min(uncappedFen, roomFen);
  return {
    grantedFen,
    uncappedFen,
    roomFen,
    cappedBy: uncappedFen - grantedFen,
    capRemainingFen: roomFen - grantedFen,
  };
}

/** The last day of enrolment: the timeline's roster_close event (seed 000: extended to the end of March). */
export function enrolmentDeadline(policy: Policy): string | null {
  return policy.timeline.find((e) => e.key === 'roster_close')?.date ?? null;
}

/** Is enrolment still open on `today` (Asia/Shanghai)? Checked when the dialog opens and again on confirm. */
export function enrolmentOpen(policy: Policy, today: string): boolean {
  const d = enrolmentDeadline(policy);
  return d === null || today <= d;
}

/** Near the cap: what is left after this claim is under this share of the cap (a warning on the officer's card). */
export function nearCap(policy: Policy, capRemainingFen: number): boolean {
  return capRemainingFen * 10 < policy.subsidy.capFen;
}
