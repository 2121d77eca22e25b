/**
 * Answers from the period's policy (issue #16): 能报多少 with amounts → the estimate at once, with its per-band
 * breakdown (src/rules/subsidy.ts); threshold, ratios, cap, fees, cover dates, claim window, who may join →
 * read from the policy data of the current period. Nothing here is a number of its own.
 */

import type { OutboundMessage } from '../../core/messages.js';
import { computeSubsidy } from '../../rules/index.js';
import type { Person } from '../../services/people.js';
import type { Turn } from '../context.js';
import type { Slots } from '../intent.js';
import { fold } from '../normalise.js';

/** "总共3万，医保报了1万5" → the part the member paid: the first amount less the second. */
const BASIC_PAID = /医保|统筹|报了|报销了|报完/;
const SELF_PAID = /自费|自付|自己(?:出|付|掏)|个人(?:出|付)/;

/** The amount the estimate counts: the self-paid part when the message tells it, else the one amount given. */
export function countedFrom(text: string, amounts: number[]): number | undefined {
  const [a, b] = amounts;
  if (a === undefined) return undefined;
  const s = fold(text);
  if (b !== undefined && SELF_PAID.test(s)) return amounts.at(-1);
  if (b !== undefined && BASIC_PAID.test(s) && b < a) return a - b;
  return a;
}

export async function estimateReply(t: Turn, p: Person, text: string, slots: Slots): Promise<OutboundMessage[]> {
  const period = await t.deps.services.periods.currentPeriod();
  const policy = period.policy;
  const base = {
    programme: policy.programme,
    period: period.name,
    deductibleFen: policy.subsidy.deductibleFen,
    capFen: policy.subsidy.capFen,
    selfPaidOnly: policy.subsidy.selfPaidOnly,
    bands: policy.subsidy.segments,
  };
  const counted = countedFrom(text, slots.amounts ?? []);
  if (counted === undefined) return [t.say('estimate', { ...base, counted: false })];
  const standing = await t.deps.services.memberStatus.memberStanding(period, p.memberId);
  const s = computeSubsidy(
    policy,
    { totalFen: counted, basicInsuranceFen: 0, selfPaidFen: counted, majorIllness: false },
    { paidThisPeriodFen: standing.paidFen },
  );
  return [
    t.say('estimate', {
      ...base,
      counted: true,
      countedFen: s.countedFen,
      segments: s.segments.filter((x) => x.amountFen > 0),
      subsidyFen: s.subsidyFen,
      cappedByFen: s.cappedBy,
    }),
  ];
}

export async function policyAnswer(t: Turn, slots: Slots): Promise<OutboundMessage[]> {
  const period = await t.deps.services.periods.currentPeriod();
  const policy = period.policy;
  return [
    t.say('policy_answer', {
      topic: slots.topic ?? 'other',
      programme: policy.programme,
      period: period.name,
      deductibleFen: policy.subsidy.deductibleFen,
      mode: policy.subsidy.mode,
      bands: policy.subsidy.segments,
      capFen: policy.subsidy.capFen,
      selfPaidOnly: policy.subsidy.selfPaidOnly,
      newFen: policy.fees.newFen,
      renewalFen: policy.fees.renewalFen,
      startsOn: policy.startsOn,
      endsOn: policy.endsOn,
      cutoffOn: policy.claims.cutoffOn,
      daysAfterDischarge: policy.claims.daysAfterDischarge,
      requireBasicInsurance: policy.eligibility.requireBasicInsurance,
      requireCriticalIllnessInsurance: policy.eligibility.requireCriticalIllnessInsurance,
      renewalOnlyFromAge: policy.eligibility.renewalOnlyFromAge,
    }),
  ];
}
