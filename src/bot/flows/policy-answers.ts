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
import { countedFen, stayAmounts } from '../slots/claim-amounts.js';
import { applyCard, readOffer, writeOffer } from './estimate-offer.js';

/**
 * 能报多少 with amounts: the estimate band by band, and the amounts kept for a while so that 申请 carries them into
 * the claim form (estimate-offer.ts). A follow-up with one amount (那两万呢) changes that amount of the last
 * estimate; without any amount, the last estimate's amounts are used again, else the policy's table is shown.
 */
export async function estimateReply(t: Turn, p: Person, text: string): Promise<OutboundMessage[]> {
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
  const { store } = t.deps;
  const before = await readOffer(store, t.msg.platform, t.msg.userId);
  const earlier = before?.periodId === period.id ? before : undefined;
  const amounts = stayAmounts(text, earlier) ?? earlier;
  const counted = amounts ? countedFen(amounts) : undefined;
  if (!amounts || counted === undefined) return [t.say('estimate', { ...base, counted: false })];
  const cardId = `estimate-${t.deps.now().getTime().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  await writeOffer(store, t.msg.platform, t.msg.userId, { ...amounts, periodId: period.id, cardId });
  const standing = await t.deps.services.memberStatus.memberStanding(period, p.memberId);
  const { totalFen, basicInsuranceFen, selfPaidFen } = amounts;
  const s = computeSubsidy(
    policy,
    totalFen !== undefined && basicInsuranceFen !== undefined && selfPaidFen !== undefined
      ? { totalFen, basicInsuranceFen, selfPaidFen, majorIllness: false }
      : { totalFen: counted, basicInsuranceFen: 0, selfPaidFen: counted, majorIllness: false },
    { paidThisPeriodFen: standing.paidFen },
  );
  return [
    t.say('estimate', {
      ...base,
      counted: true,
      amounts,
      told: [
        { kind: 'total', fen: amounts.totalFen },
        { kind: 'basic', fen: amounts.basicInsuranceFen },
        { kind: 'selfPaid', fen: amounts.selfPaidFen, derived: amounts.selfPaidDerived },
      ].filter((x) => x.fen !== undefined),
      countedFen: s.countedFen,
      segments: s.segments.filter((x) => x.amountFen > 0),
      subsidyFen: s.subsidyFen,
      cappedByFen: s.cappedBy,
    }),
    { kind: 'card', card: applyCard(t, cardId, amounts) },
  ];
}

export async function policyAnswer(t: Turn, slots: Slots): Promise<OutboundMessage[]> {
  const period = await t.deps.services.periods.currentPeriod();
  const policy = period.policy;
  // refunds and materials: each programme's notice says something different, or nothing (said politely)
  if (slots.topic === 'refund')
    return [t.say('policy_refund', { programme: policy.programme, period: period.name, refund: policy.refund })];
  if (slots.topic === 'materials')
    return [
      t.say('policy_materials', { programme: policy.programme, period: period.name, materials: policy.materials }),
    ];
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
