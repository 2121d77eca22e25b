/**
 * A worker's own matters: am I enrolled, enrol, my claims, the deadlines. A worker only ever sees their own data.
 */

import type { OutboundMessage } from '../../core/messages.js';
import {
  checkEligibility,
  deadlineCountdown,
  enrolmentDeadline,
  enrolmentOpen,
  feeFor,
  shanghaiDate,
} from '../../rules/index.js';
import type { Person } from '../../services/people.js';
import type { Turn } from '../context.js';
import { writeDialog } from '../dialog.js';
import { cachedStatus, forgetStatus } from '../status-cache.js';

export const CLAIM_STATUS_LABEL: Record<string, string> = {
  submitted: '待审批',
  needs_info: '待补材料',
  approved_l1: '初审通过，待中心复核',
  approved: '已批准，待支付',
  rejected: '未通过',
  paid: '已支付',
};

function ageOn(birthDate: string | null, today: string): number | undefined {
  if (!birthDate) return undefined;
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

export async function status(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const period = await t.deps.services.periods.currentPeriod();
  const f = await cachedStatus(
    t.deps.store,
    period.id,
    p.memberId,
    async () => {
      const s = await t.deps.services.memberStatus.memberStanding(period, p.memberId);
      return {
        enrolled: Boolean(s.enrolment),
        kind: (s.enrolment?.kind as 'new' | 'renewal' | undefined) ?? null,
        feeFen: s.enrolment?.feeFen ?? null,
        paid: Boolean(s.enrolment?.paid),
        claims: s.claims.length,
        paidFen: s.paidFen,
        capRemainingFen: s.capRemainingFen,
      };
    },
    t.deps.log,
  );
  return [
    t.say('status', {
      name: p.name,
      period: period.name,
      enrolled: f.enrolled,
      kind: f.kind === 'renewal' ? '续互' : '新参',
      feeFen: f.feeFen,
      paid: f.paid,
      claims: f.claims,
      paidFen: f.paidFen,
      capFen: period.policy.subsidy.capFen,
      capRemainingFen: f.capRemainingFen,
      // not enrolled: 我要参加 is offered while the roster is open; after, the date it closed
      enrolling: enrolmentOpen(period.policy, shanghaiDate(t.deps.now())),
      closedOn: enrolmentDeadline(period.policy),
    }),
  ];
}

function rosterDeadline(_t: Turn, policy: { timeline: { key: string; date: string; label: string }[] }) {
  return policy.timeline.find((e) => e.key === 'roster_close');
}

export async function startEnrol(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const { services } = t.deps;
  const period = await services.periods.currentPeriod();
  const today = shanghaiDate(t.deps.now());
  const deadline = rosterDeadline(t, period.policy);
  if (deadline && today > deadline.date) return [t.say('enrol_closed', { period: period.name, date: deadline.date })];
  const s = await services.memberStatus.memberStanding(period, p.memberId);
  if (s.enrolment)
    return [
      t.say('enrol_already', {
        period: period.name,
        kind: s.enrolment.kind === 'renewal' ? '续互' : '新参',
        feeFen: s.enrolment.feeFen,
        paid: s.enrolment.paid,
      }),
    ];
  const member = await services.enrolment.eligibilityFacts(p.memberId);
  const age = ageOn(member.birthDate, today);
  const eligible = checkEligibility(period.policy, {
    status: member.status,
    hasBasicInsurance: member.hasBasicInsurance,
    hasCriticalIllnessInsurance: member.hasCriticalIllnessInsurance,
    participatedLastPeriod: s.participatedLastPeriod,
    ...(age === undefined ? {} : { age }),
  });
  // seeds 002 / 000: a restructured or closed enterprise's workers join only while the region reaches the ratio
  const entry = await services.participation.unitEntryStanding(period, p.unitId);
  const reasons = [...(eligible.ok ? [] : eligible.reasons), ...(entry.ok ? [] : [entry.reason])];
  if (reasons.length) return [t.say('enrol_ineligible', { reasons, entry: !entry.ok })];
  const fee = feeFor(period.policy, { participatedLastPeriod: s.participatedLastPeriod });
  await writeDialog(t.deps.store, t.msg.platform, t.msg.userId, {
    flow: 'enrol',
    step: 'confirm',
    kind: fee.kind,
    feeFen: fee.feeFen,
    periodId: period.id,
  });
  return [
    t.say('enrol_confirm', { period: period.name, label: fee.label, feeFen: fee.feeFen, deadline: deadline?.date }),
  ];
}

export async function confirmEnrol(
  t: Turn,
  p: Person,
  d: { kind: 'new' | 'renewal'; feeFen: number; periodId: number },
  text: string,
) {
  const { services, store } = t.deps;
  if (!/^(确认|确定|是|好|好的|对|ok|yes|y)$/i.test(text.trim())) return [t.say('enrol_confirm_again')];
  await writeDialog(store, t.msg.platform, t.msg.userId, null);
  // the deadline is the one in force when the answer arrives, not when the dialog opened
  const period = await services.periods.currentPeriod();
  if (period.id !== d.periodId || !enrolmentOpen(period.policy, shanghaiDate(t.deps.now())))
    return [t.say('enrol_closed', { period: period.name, date: enrolmentDeadline(period.policy) })];
  const r = await services.enrolment.enrol(
    { periodId: d.periodId, memberId: p.memberId, unitId: p.unitId, kind: d.kind, feeFen: d.feeFen },
    `${t.msg.platform}:${t.msg.userId}`,
  );
  if (r.kind === 'already')
    return [
      t.say('enrol_already', {
        kind: r.enrolment.kind === 'renewal' ? '续互' : '新参',
        feeFen: r.enrolment.feeFen,
        paid: r.enrolment.paid,
      }),
    ];
  await forgetStatus(store, d.periodId, p.memberId);
  return [
    t.say('enrol_done', {
      label: d.kind === 'renewal' ? '续互' : '新参',
      feeFen: d.feeFen,
      unit: r.unit,
      reps: r.reps,
      // cover is the period's (互助期), for members whose fee reached the union unless the policy covers unpaid ones
      startsOn: period.policy.startsOn,
      endsOn: period.policy.endsOn,
      unpaidMayClaim: period.policy.fees.unpaidMayClaim,
    }),
  ];
}

export async function claimStatus(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const period = await t.deps.services.periods.currentPeriod();
  const s = await t.deps.services.memberStatus.memberStanding(period, p.memberId);
  const claims = s.claims.map((c) => ({
    id: c.id,
    hospital: c.hospital,
    admittedOn: c.admittedOn,
    dischargedOn: c.dischargedOn,
    subsidyFen: c.subsidyFen,
    status: CLAIM_STATUS_LABEL[c.status] ?? c.status,
  }));
  return [t.say('claim_status', { period: period.name, claims, capRemainingFen: s.capRemainingFen })];
}

export async function deadlines(t: Turn): Promise<OutboundMessage[]> {
  const period = await t.deps.services.periods.currentPeriod();
  const events = deadlineCountdown(period.policy, t.deps.now());
  return [t.say('deadlines', { period: period.name, events, today: shanghaiDate(t.deps.now()) })];
}
