import { percentText } from './money.js';
import type { Policy } from './policy.js';

export interface MemberFacts {
  status: 'in_service' | 'retired';
  hasBasicInsurance: boolean;
  hasCriticalIllnessInsurance: boolean;
  participatedLastPeriod: boolean;
  /** whole years on the day of enrolment; unknown = the age rule is not applied */
  age?: number;
}

export type Eligibility = { ok: true } | { ok: false; reasons: string[] };

/**
 * May this member join the period? Every reason that applies is returned, not just the first.
 * In-service and retired staff alike (seed 003 "在职职工和退休人员"); basic insurance required (RULES §4);
 * critical-illness supplementary insurance when the policy says so (seed 003); the Yunnan 21st rule that members
 * of 55 or over join only if they were in the previous period (policy.eligibility.renewalOnlyFromAge).
 */
export function checkEligibility(policy: Policy, m: MemberFacts): Eligibility {
  const e = policy.eligibility;
  const reasons: string[] = [];
  if (e.requireBasicInsurance && !m.hasBasicInsurance)
    reasons.push('参加互助需要先参加城镇职工基本医疗保险，您的资料中没有基本医保记录，请向单位工会核实。');
  if (e.requireCriticalIllnessInsurance && !m.hasCriticalIllnessInsurance)
    reasons.push('本期还要求同时参加大病补充医疗保险，您的资料中没有大病补充医疗保险记录，请向单位工会核实。');
  if (
    e.renewalOnlyFromAge !== null &&
    m.age !== undefined &&
    m.age >= e.renewalOnlyFromAge &&
    !m.participatedLastPeriod
  )
    reasons.push(`年满 ${e.renewalOnlyFromAge} 周岁的职工，只有参加了上一期才能继续参加本期，您上一期没有参加。`);
  return reasons.length ? { ok: false, reasons } : { ok: true };
}

export interface OrgJoin {
  ok: boolean;
  /** in-service participants / basic-insurance headcount, rounded down to 1 bp (never shows a pass it is not) */
  ratioBp: number;
  requiredBp: number;
  reason?: string;
}

/**
 * May an organisation (e.g. of restructured or closed enterprises) join? In-service participation must reach the
 * policy's share of its basic-insurance headcount: 60 % in seed 002 (Yunnan 14th), 40 % in seed 000 (Hainan),
 * 100 % for units of 10 or fewer in Yunnan 21st (policy.eligibility.smallOrg). Compared exactly, in integers.
 */
export function orgMayJoin(policy: Policy, o: { inServiceParticipants: number; insuredHeadcount: number }): OrgJoin {
  const small = policy.eligibility.smallOrg;
  const requiredBp =
    small && o.insuredHeadcount <= small.maxHeadcount ? small.ratioBp : policy.eligibility.orgParticipationRatioBp;
  if (o.insuredHeadcount <= 0)
    return { ok: false, ratioBp: 0, requiredBp, reason: '参加基本医疗保险的人数为 0，无法计算参加比例。' };
  const ratioBp = Math.floor((o.inServiceParticipants * 10_000) / o.insuredHeadcount);
  if (o.inServiceParticipants * 10_000 >= requiredBp * o.insuredHeadcount) return { ok: true, ratioBp, requiredBp };
  const need = Math.ceil((requiredBp * o.insuredHeadcount) / 10_000);
  return {
    ok: false,
    ratioBp,
    requiredBp,
    reason: `在职职工参加比例为 ${percentText(ratioBp)}，未达到参加基本医疗保险人数的 ${percentText(requiredBp)}（至少需要 ${need} 人，现有 ${o.inServiceParticipants} 人）。`,
  };
}
