/**
 * The entry rules of a unit (RULES §4), pure:
 * - seed 002 (Yunnan 14th, 60 %) and seed 000 (Hainan, relaxed to 40 %): a union may take in the workers of
 *   restructured or closed enterprises (改制或关停并转企业) only while the in-service participation of its region or
 *   system reaches the policy's share of the region's basic-insurance headcount (orgMayJoin, the policy's
 *   eligibility.orgParticipationRatioBp). The region is the unit's office (办事处: 本地区、本系统).
 * - seed 004 (Zhangjiakou): a unit found not to meet the entry rules gets no subsidy and no refund (不予退款，不予补助).
 * A unit taken in while its region is below the ratio breaks the entry rules too, so both end in the same standing.
 */
import { orgMayJoin } from './eligibility.js';
import type { Policy } from './policy.js';

export interface EntryUnit {
  name: string;
  restructured: boolean;
  /** set by the office on finding the unit in breach (organisations file: 违反入口规定) */
  entryBreach: boolean;
}

export interface EntryRegion {
  name: string;
  /** in-service participants of the period in the region's units */
  inServiceParticipants: number;
  /** the region's basic-insurance headcount; null = not given, so the ratio cannot be shown to be met */
  insuredHeadcount: number | null;
}

export type EntryStanding =
  | { ok: true }
  | {
      ok: false;
      /** 'breach': found in breach; 'ratio': a restructured unit while its region is below the ratio */
      kind: 'breach' | 'ratio';
      /** why, in Chinese, without the consequence (each caller says what follows: no enrolment, no subsidy) */
      reason: string;
    };

export function entryStanding(policy: Policy, unit: EntryUnit, region: EntryRegion | null): EntryStanding {
  if (unit.entryBreach)
    return { ok: false, kind: 'breach', reason: `${unit.name}经核查不符合参加互助活动的入口规定。` };
  if (!unit.restructured) return { ok: true };
  const head = `${unit.name}属改制或关停并转企业，`;
  if (!region || region.insuredHeadcount === null)
    return {
      ok: false,
      kind: 'ratio',
      reason: `${head}须所在地区、系统在职职工参加比例达到参加基本医疗保险总人数的规定比例方可组织，${region?.name ?? '所属办事处'}尚未登记参加基本医疗保险人数，无法核实。`,
    };
  const join = orgMayJoin(policy, {
    inServiceParticipants: region.inServiceParticipants,
    insuredHeadcount: region.insuredHeadcount,
  });
  if (join.ok) return { ok: true };
  return { ok: false, kind: 'ratio', reason: `${head}${region.name}${join.reason ?? ''}` };
}
