/**
 * The claim form: one question at a time, each answer checked; a wrong answer gets a reply that says what to
 * send instead and the form keeps what was already answered. Ends with the rules core's estimate and a
 * confirmation; on confirm the claim is stored and the officers are notified.
 */

import type { InboundMessage, OutboundMessage } from '../../core/messages.js';
import { must } from '../../core/must.js';
import { admissionOutsidePeriod, claimWindow, shanghaiDate, shanghaiStamp } from '../../rules/index.js';
import type { SubmitResult } from '../../services/claims.js';
import type { Person } from '../../services/people.js';
import type { Turn } from '../context.js';
import { CLAIM_STEPS, type ClaimDraft, type ClaimStep, writeDialog } from '../dialog.js';
import { fold } from '../normalise.js';
import { parseDate } from '../slots/dates.js';
import { parseMoneyFen } from '../slots/money.js';
import { forgetStatus } from '../status-cache.js';
import { enqueueDeliveries } from './claim-deliveries.js';
import { applyCard, ESTIMATE_ACTION, readOffer, writeOffer } from './estimate-offer.js';
import { keepArrivedPhoto, keepMissingPhotos } from './photos.js';
import { CLAIM_STATUS_LABEL } from './worker.js';

/** No single hospital stay is above this: a guard against typos (an extra zero), not a policy figure. */
const PLAUSIBLE_MAX_FEN = 1_000_000_000;
const MAX_PHOTOS = 9;

/** the form's steps in the order they are asked: the dialog's own list */
const ORDER: readonly ClaimStep[] = CLAIM_STEPS;

/**
 * Starts the claim form. When the person was just given an estimate with amounts (estimate-offer.ts), the form
 * starts with them filled in: their questions are skipped and the summary shows them to confirm.
 */
export async function startClaim(t: Turn, p: Person): Promise<OutboundMessage[]> {
  const { store } = t.deps;
  const period = await t.deps.services.periods.currentPeriod();
  const standing = await t.deps.services.claims.claimStanding(period, p.memberId);
  if (standing.kind === 'not_enrolled') return [t.say('claim_not_enrolled', { period: period.name })];
  if (standing.kind === 'unpaid') return [t.say('claim_unpaid', { period: period.name, feeFen: standing.feeFen })];
  if (standing.kind === 'entry_breach')
    return [t.say('claim_entry_breach', { period: period.name, reason: standing.reason })];
  const offer = await readOffer(store, t.msg.platform, t.msg.userId);
  await writeOffer(store, t.msg.platform, t.msg.userId, null);
  const draft: ClaimDraft = {};
  if (offer?.periodId === period.id) {
    if (offer.totalFen !== undefined) draft.totalFen = offer.totalFen;
    if (offer.basicInsuranceFen !== undefined) draft.basicInsuranceFen = offer.basicInsuranceFen;
    if (offer.selfPaidFen !== undefined) draft.selfPaidFen = offer.selfPaidFen;
  }
  await writeDialog(store, t.msg.platform, t.msg.userId, {
    flow: 'claim',
    step: 'hospital',
    draft,
    periodId: period.id,
  });
  return [t.say('claim_intro', { carried: draft }), t.say('claim_ask_hospital')];
}

/** 申请 / 好的 / 我要申请 right after an estimate with amounts: the form starts with them (else null). */
const ACCEPTS =
  /^(?:申请|申请吧|我要申请|我申请|帮我申请|那就申请|好|好的|好啊|好吧|行|可以|是|是的|要|要的|填吧|提交|ok|yes)$/;

export async function acceptEstimateOffer(t: Turn, p: Person, text: string): Promise<OutboundMessage[] | null> {
  if (!ACCEPTS.test(fold(text).replace(/[\s，。！!,.~～]+/g, ''))) return null;
  if (!(await readOffer(t.deps.store, t.msg.platform, t.msg.userId))) return null;
  return startClaim(t, p);
}

/**
 * A tap on the estimate card's 用这些金额申请: the same as replying 申请, while that estimate is the latest one;
 * the card is then shown as used. An older card (another estimate came since, or the offer expired) says so.
 */
export async function onEstimateClick(
  t: Turn & { msg: InboundMessage & { kind: 'card_click' } },
): Promise<OutboundMessage[]> {
  const id = ESTIMATE_ACTION.exec(t.msg.action)?.[1];
  const p = t.person;
  if (!id || !p) return [t.say('card_unknown')];
  const offer = await readOffer(t.deps.store, t.msg.platform, t.msg.userId);
  if (!offer || offer.cardId !== id) return [t.say('estimate_offer_expired')];
  const replies = await startClaim(t, p);
  try {
    await t.deps.outbox.updateCard(
      t.msg.platform,
      { cardId: id, ...(t.msg.responseCode ? { responseCode: t.msg.responseCode } : {}), userIds: [t.msg.userId] },
      {
        kind: 'card',
        card: applyCard(
          t,
          id,
          offer,
          t.deps.templates.render('estimate_apply_used', { at: shanghaiStamp(t.deps.now()) }),
        ),
      },
    );
  } catch (e) {
    t.deps.log.warn({ err: e, cardId: id }, 'estimate card update failed');
  }
  return replies;
}

/**
 * The question after `step`: an amount already in the draft (carried from the estimate) is skipped while it agrees
 * with the amounts before it; one that does not is dropped and asked, with the same checks as a typed answer.
 */
function nextStep(step: ClaimStep, draft: ClaimDraft): { step: ClaimStep; draft: ClaimDraft } {
  const d = { ...draft };
  for (const s of ORDER.slice(ORDER.indexOf(step) + 1)) {
    if (s === 'total' && d.totalFen !== undefined && d.totalFen > 0) continue;
    if (s === 'basic' && d.basicInsuranceFen !== undefined && d.basicInsuranceFen <= (d.totalFen ?? 0)) continue;
    if (
      s === 'selfPaid' &&
      d.selfPaidFen !== undefined &&
      d.selfPaidFen <= (d.totalFen ?? 0) - (d.basicInsuranceFen ?? 0)
    )
      continue;
    if (s === 'total') delete d.totalFen;
    if (s === 'basic') delete d.basicInsuranceFen;
    if (s === 'selfPaid') delete d.selfPaidFen;
    return { step: s, draft: d };
  }
  return { step: 'confirm', draft: d };
}

function ask(t: Turn, step: ClaimStep, draft: ClaimDraft): OutboundMessage {
  return t.say(`claim_ask_${step === 'selfPaid' ? 'self_paid' : step}`, { draft });
}

type StepResult = { ok: true; draft: ClaimDraft } | { ok: false; reply: OutboundMessage };

function money(
  t: Turn,
  text: string,
  label: string,
): { ok: true; fen: number } | { ok: false; reply: OutboundMessage } {
  if (/^\s*[-－负]/.test(text)) return { ok: false, reply: t.say('claim_bad_money', { label, negative: true }) };
  const fen = parseMoneyFen(text);
  if (fen === null || fen === undefined) return { ok: false, reply: t.say('claim_bad_money', { label }) };
  if (fen > PLAUSIBLE_MAX_FEN) return { ok: false, reply: t.say('claim_absurd_money', { label, fen }) };
  return { ok: true, fen };
}

function answer(t: Turn, step: ClaimStep, draft: ClaimDraft, text: string): StepResult {
  const now = t.deps.now();
  const today = shanghaiDate(now);
  switch (step) {
    case 'hospital': {
      const h = text.trim().replace(/\s+/g, ' ');
      if (h.length < 2 || h.length > 60 || /[<>{};]|^\d+$/.test(h) || /select\s|insert\s|drop\s/i.test(h))
        return { ok: false, reply: t.say('claim_bad_hospital') };
      return { ok: true, draft: { ...draft, hospital: h } };
    }
    case 'admitted':
    case 'discharged': {
      const d = parseDate(text, now);
      if (!d) return { ok: false, reply: t.say('claim_bad_date') };
      if (d > today) return { ok: false, reply: t.say('claim_future_date', { date: d }) };
      if (step === 'discharged' && draft.admittedOn && d < draft.admittedOn)
        return {
          ok: false,
          reply: t.say('claim_discharge_before_admission', { admittedOn: draft.admittedOn, date: d }),
        };
      return { ok: true, draft: step === 'admitted' ? { ...draft, admittedOn: d } : { ...draft, dischargedOn: d } };
    }
    case 'total': {
      const m = money(t, text, '住院总费用');
      if (!m.ok) return m;
      if (m.fen === 0) return { ok: false, reply: t.say('claim_bad_money', { label: '住院总费用' }) };
      return { ok: true, draft: { ...draft, totalFen: m.fen } };
    }
    case 'basic': {
      const m = money(t, text, '基本医保报销金额');
      if (!m.ok) return m;
      if (m.fen > (draft.totalFen ?? 0))
        return { ok: false, reply: t.say('claim_more_than_total', { label: '医保报销', totalFen: draft.totalFen }) };
      return { ok: true, draft: { ...draft, basicInsuranceFen: m.fen } };
    }
    case 'selfPaid': {
      const m = money(t, text, '个人自付金额');
      if (!m.ok) return m;
      const room = (draft.totalFen ?? 0) - (draft.basicInsuranceFen ?? 0);
      if (m.fen > room)
        return {
          ok: false,
          reply: t.say('claim_self_paid_too_high', {
            roomFen: room,
            totalFen: draft.totalFen,
            basicFen: draft.basicInsuranceFen,
          }),
        };
      return { ok: true, draft: { ...draft, selfPaidFen: m.fen } };
    }
    case 'major': {
      if (/^(是|有|对|是的|属于|重大疾病|大病)$/.test(text.trim()))
        return { ok: true, draft: { ...draft, majorIllness: true } };
      if (/^(否|不是|没有|无|不属于|不)$/.test(text.trim()))
        return { ok: true, draft: { ...draft, majorIllness: false } };
      return { ok: false, reply: t.say('claim_bad_yes_no') };
    }
    default:
      return { ok: false, reply: ask(t, step, draft) };
  }
}

function refusal(t: Turn, r: Extract<SubmitResult, { ok: false }>, period: string): OutboundMessage {
  if (r.reason === 'standing')
    return r.standing.kind === 'unpaid'
      ? t.say('claim_unpaid', { period, feeFen: r.standing.feeFen })
      : r.standing.kind === 'entry_breach'
        ? t.say('claim_entry_breach', { period, reason: r.standing.reason })
        : t.say('claim_not_enrolled', { period });
  if (r.reason === 'window') return t.say('claim_window_closed', { reason: r.message });
  return t.say('claim_duplicate_stay', { c: r.conflict, status: CLAIM_STATUS_LABEL[r.conflict.status] });
}

/**
 * After an admission date: is it in the period at all (the answer is asked again: it may be a typo)? After the
 * discharge date: the whole window and the member's other claims; a stay that cannot be claimed ends the form.
 */
async function datesRefused(t: Turn, p: Person, draft: ClaimDraft, periodId: number): Promise<OutboundMessage | null> {
  const period = await t.deps.services.periods.currentPeriod();
  if (period.id !== periodId) return t.say('claim_period_changed');
  if (!draft.dischargedOn) {
    const outside = draft.admittedOn ? admissionOutsidePeriod(period.policy, draft.admittedOn) : null;
    return outside ? t.say('claim_admission_outside', { reason: outside }) : null;
  }
  const check = await t.deps.services.claims.checkStay(
    period,
    p.memberId,
    { admittedOn: must(draft.admittedOn, 'admitted is asked before discharged'), dischargedOn: draft.dischargedOn },
    t.deps.now(),
  );
  if (check.ok) return null;
  await writeDialog(t.deps.store, t.msg.platform, t.msg.userId, null);
  return refusal(t, check, period.name);
}

/**
 * The draft once every field step was answered: the form reaches its summary and confirm steps only through them
 * in ORDER, so a gap is a broken dialog, named by the InvariantError.
 */
function filledDraft(d: ClaimDraft) {
  return {
    hospital: must(d.hospital, 'the draft has its hospital'),
    admittedOn: must(d.admittedOn, 'the draft has its admission date'),
    dischargedOn: must(d.dischargedOn, 'the draft has its discharge date'),
    totalFen: must(d.totalFen, 'the draft has its total'),
    basicInsuranceFen: must(d.basicInsuranceFen, 'the draft has its basic insurance'),
    selfPaidFen: must(d.selfPaidFen, 'the draft has its self-paid part'),
    majorIllness: must(d.majorIllness, 'the draft says whether it is a major illness'),
  };
}

async function summary(t: Turn, p: Person, draft: ClaimDraft, periodId: number): Promise<OutboundMessage[]> {
  const period = await t.deps.services.periods.currentPeriod();
  if (period.id !== periodId) return [t.say('claim_period_changed')];
  const f = filledDraft(draft);
  const window = claimWindow(period.policy, {
    admissionDate: f.admittedOn,
    dischargeDate: f.dischargedOn,
    submittedAt: t.deps.now(),
  });
  if (!window.open) {
    await writeDialog(t.deps.store, t.msg.platform, t.msg.userId, null);
    return [t.say('claim_window_closed', { reason: window.reason })];
  }
  const s = await t.deps.services.claims.estimateSubsidy(period, p.memberId, {
    totalFen: f.totalFen,
    basicInsuranceFen: f.basicInsuranceFen,
    selfPaidFen: f.selfPaidFen,
    majorIllness: f.majorIllness,
  });
  return [t.say('claim_summary', { draft, subsidy: s, photos: draft.photos?.length ?? 0 })];
}

export async function continueClaim(
  t: Turn,
  p: Person,
  step: ClaimStep,
  draft: ClaimDraft,
  periodId: number,
): Promise<OutboundMessage[]> {
  const { store } = t.deps;
  const msg: InboundMessage = t.msg;
  const save = (s: ClaimStep, d: ClaimDraft) =>
    writeDialog(store, msg.platform, msg.userId, { flow: 'claim', step: s, draft: d, periodId });

  if (step === 'photos') {
    if (msg.kind === 'image') {
      const photos = [...(draft.photos ?? []), { mediaId: msg.mediaId, ...(msg.url ? { url: msg.url } : {}) }];
      if (photos.length > MAX_PHOTOS) return [t.say('claim_too_many_photos', { max: MAX_PHOTOS })];
      const kept = await keepArrivedPhoto(t, msg.mediaId);
      if (!kept.ok) return [kept.reply];
      await save('photos', { ...draft, photos });
      return [t.say('claim_photo_received', { count: photos.length })];
    }
    if (msg.kind === 'text' && /^(完成|好了|没有了|传完了|就这些|下一步)$/.test(msg.text.trim())) {
      if (!draft.photos?.length) return [t.say('claim_need_photo')];
      await save('confirm', draft);
      return summary(t, p, draft, periodId);
    }
    return [t.say('claim_ask_photos', { draft, again: true })];
  }

  if (step === 'confirm') {
    if (msg.kind !== 'text' || !/^(确认|确定|提交|是|好|好的|ok|yes)$/i.test(msg.text.trim()))
      return [t.say('claim_confirm_again')];
    const period = await t.deps.services.periods.currentPeriod();
    const f = filledDraft(draft);
    const window = claimWindow(period.policy, {
      admissionDate: f.admittedOn,
      dischargeDate: f.dischargedOn,
      submittedAt: t.deps.now(),
    });
    await writeDialog(store, msg.platform, msg.userId, null);
    if (!window.open) return [t.say('claim_window_closed', { reason: window.reason })];
    await keepMissingPhotos(
      t,
      (draft.photos ?? []).map((ph) => ph.mediaId),
    );
    const r = await t.deps.services.claims.submitClaim(
      period,
      {
        memberId: p.memberId,
        hospital: f.hospital,
        admittedOn: f.admittedOn,
        dischargedOn: f.dischargedOn,
        totalFen: f.totalFen,
        basicInsuranceFen: f.basicInsuranceFen,
        selfPaidFen: f.selfPaidFen,
        majorIllness: f.majorIllness,
        photos: (draft.photos ?? []).map((ph) => ({ platform: msg.platform, ...ph })),
      },
      `${msg.platform}:${msg.userId}`,
      t.deps.now(),
      { platforms: t.deps.outbox.platforms(), confirmTo: { platform: msg.platform, userId: msg.userId } },
    );
    if (!r.ok) return [refusal(t, r, period.name)];
    await forgetStatus(store, period.id, p.memberId);
    // the worker's 已提交 #n is a row planned with the claim, sent at once through the outbox's exactly-once path
    // (claimed, sent, marked): not also this turn's reply, so it arrives once; were the process to die after the
    // commit, the platform's retry is a duplicate with no answer, and the sweep after the restart sends it
    await enqueueDeliveries(t.deps, r.deliveries, (key) => key.includes(':submitted:'));
    return [];
  }

  if (msg.kind === 'image') return [t.say('claim_photo_not_expected'), ask(t, step, draft)];
  if (msg.kind !== 'text') return [ask(t, step, draft)];
  if (msg.text.length > 500) return [t.say('claim_too_long'), ask(t, step, draft)];
  const r = answer(t, step, draft, msg.text);
  if (!r.ok) return [r.reply];
  if (step === 'admitted' || step === 'discharged') {
    // the claim window and the member's other stays, as soon as the dates are known (not after the photos)
    const stop = await datesRefused(t, p, r.draft, periodId);
    if (stop) return [stop];
  }
  const next = nextStep(step, r.draft);
  await save(next.step, next.draft);
  if (next.step === 'photos') {
    // the documents to photograph are the programme's own list (the policy's materials)
    const { policy } = await t.deps.services.periods.currentPeriod();
    return [t.say('claim_ask_photos', { draft: next.draft, materials: policy.materials })];
  }
  return [ask(t, next.step, next.draft)];
}
