import { admissionOutsidePeriod } from './claim-checks.js';
import { addDays, shanghaiDate } from './dates.js';
import type { Policy } from './policy.js';

export type ClaimWindow = { open: true; crossPeriod: boolean } | { open: false; reason: string };

/**
 * Is a claim for this stay accepted by this period's policy on the day it is submitted (Asia/Shanghai)?
 *
 * - A stay belongs to the period it was admitted in: admitted before the period start or after its end is not
 *   this period's claim.
 * - Claims are accepted from opensOn (default the period start) to the cut-off (seed 004: 2020-12-30, "不再受理
 *   2020年度补助申请（符合政策规定跨期补助条件的除外）").
 * - Cross-period (跨期补助): a stay admitted in the period and discharged after the cut-off could not be claimed
 *   in time; when the policy allows it, such a claim is accepted after the cut-off.
 * - daysAfterDischarge, when set, limits every claim to that many days after discharge.
 */
export function claimWindow(
  policy: Policy,
  s: { admissionDate: string; dischargeDate: string; submittedAt: Date },
): ClaimWindow {
  const today = shanghaiDate(s.submittedAt);
  const { admissionDate: admitted, dischargeDate: discharged } = s;
  const c = policy.claims;
  const name = policy.periodName;
  if (discharged < admitted)
    return { open: false, reason: `出院日期 ${discharged} 早于入院日期 ${admitted}，请核对。` };
  const outside = admissionOutsidePeriod(policy, admitted);
  if (outside) return { open: false, reason: outside };
  if (today < discharged) return { open: false, reason: `出院日期 ${discharged} 还没到，请出院后再申请。` };
  const opens = c.opensOn ?? policy.startsOn;
  if (today < opens) return { open: false, reason: `${name}的补助申请自 ${opens} 起受理。` };
  const crossPeriod = discharged > c.cutoffOn;
  if (crossPeriod && !c.crossPeriodAllowed)
    return { open: false, reason: `出院日期 ${discharged} 晚于受理截止日 ${c.cutoffOn}，${name}不办理跨期补助。` };
  if (crossPeriod && c.crossPeriodUntil !== null && today > c.crossPeriodUntil)
    return { open: false, reason: `${name}的跨期补助申请已于 ${c.crossPeriodUntil} 截止受理。` };
  if (today > c.cutoffOn && !crossPeriod)
    return { open: false, reason: `${name}的补助申请已于 ${c.cutoffOn} 截止受理。` };
  if (c.daysAfterDischarge !== null) {
    const last = addDays(discharged, c.daysAfterDischarge);
    if (today > last)
      return {
        open: false,
        reason: `补助须在出院后 ${c.daysAfterDischarge} 天内申请：出院日期 ${discharged}，申请期限至 ${last}。`,
      };
  }
  return { open: true, crossPeriod };
}
