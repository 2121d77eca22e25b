/**
 * 补充 #n: the worker answers an officer's 补材料 on the same claim. They send photos and correct fields
 * ("总费用 32000", "出院 2月12日"), then 提交: the claim goes back to the office's queue with a fresh card showing
 * what changed (src/services/supplements.ts).
 */

import type { OutboundMessage } from '../../core/messages.js';
import { must } from '../../core/must.js';
import { shanghaiDate } from '../../rules/index.js';
import type { Person } from '../../services/people.js';
import { CORRECTABLE } from '../../services/supplements.js';
import type { Turn } from '../context.js';
import { type Dialog, type SupplementCorrections, writeDialog } from '../dialog.js';
import { parseDate } from '../slots/dates.js';
import { parseMoneyFen } from '../slots/money.js';
import { forgetStatus } from '../status-cache.js';
import { enqueueDeliveries } from './claim-deliveries.js';
import { keepArrivedPhoto } from './photos.js';
import { CLAIM_STATUS_LABEL } from './worker.js';

const SUBMIT = /^(提交|完成|好了|确认|确认提交)$/;
const MAX_PHOTOS = 9;

type SupplementDialog = Extract<Dialog, { flow: 'supplement' }>;

/** "总费用 32000" → the field and its value; the words are the ones the claim form asks with. */
const FIELD_WORDS: [RegExp, keyof SupplementCorrections][] = [
  [/^医院$/, 'hospital'],
  [/^入院(日期)?$/, 'admittedOn'],
  [/^出院(日期)?$/, 'dischargedOn'],
  [/^(住院)?总费用$/, 'totalFen'],
  [/^(基本)?医保(报销)?(金额)?$/, 'basicInsuranceFen'],
  [/^(个人)?自付(金额)?$/, 'selfPaidFen'],
  [/^重大疾病$/, 'majorIllness'],
];
const CORRECTION = /^([\p{Script=Han}]{2,8})\s*[:：]?\s*(.+)$/u;

/** 补材料 [#12] (recognised in nlu/commands.ts): `given` is the claim number, when the worker named one. */
export async function startSupplement(t: Turn, p: Person, given: number | null): Promise<OutboundMessage[]> {
  let id = given;
  if (id === null) {
    const waiting = await t.deps.services.supplements.claimsWaitingForMaterial(p.memberId);
    if (waiting.length === 0) return [t.say('supplement_none')];
    if (waiting.length > 1) return [t.say('supplement_which', { claims: waiting })];
    id = must(waiting[0], 'one claim is waiting').id;
  }
  const c = await t.deps.services.supplements.claimToSupplement(id, p.memberId);
  // someone else's claim is as unknown as a claim that does not exist
  if (!c) return [t.say('supplement_none', { id })];
  if (c.status !== 'needs_info')
    return [t.say('supplement_not_waiting', { id, status: CLAIM_STATUS_LABEL[c.status] ?? c.status })];
  await writeDialog(t.deps.store, t.msg.platform, t.msg.userId, {
    flow: 'supplement',
    claimId: c.id,
    periodId: c.periodId,
    corrections: {},
    photos: [],
  });
  return [t.say('supplement_intro', { id: c.id, hospital: c.hospital, asked: c.asked })];
}

function parseCorrection(
  t: Turn,
  text: string,
): { ok: true; field: keyof SupplementCorrections; value: string | number | boolean } | { ok: false } {
  const m = CORRECTION.exec(text);
  if (!m) return { ok: false };
  const field = FIELD_WORDS.find(([re]) => re.test(must(m[1], 'CORRECTION group 1')))?.[1];
  if (!field) return { ok: false };
  const raw = must(m[2], 'CORRECTION group 2').trim();
  if (field === 'hospital')
    return raw.length >= 2 && raw.length <= 60 ? { ok: true, field, value: raw } : { ok: false };
  if (field === 'admittedOn' || field === 'dischargedOn') {
    const d = parseDate(raw, t.deps.now());
    return d && d <= shanghaiDate(t.deps.now()) ? { ok: true, field, value: d } : { ok: false };
  }
  if (field === 'majorIllness') {
    if (/^(是|有|属于)$/.test(raw)) return { ok: true, field, value: true };
    if (/^(否|不是|没有|无|不属于)$/.test(raw)) return { ok: true, field, value: false };
    return { ok: false };
  }
  if (/^\s*[-－负]/.test(raw)) return { ok: false };
  const fen = parseMoneyFen(raw);
  return fen === null || fen === undefined ? { ok: false } : { ok: true, field, value: fen };
}

export async function continueSupplement(
  t: Turn,
  p: Person,
  d: SupplementDialog,
  text: string,
): Promise<OutboundMessage[]> {
  const { store } = t.deps;
  const msg = t.msg;
  const save = (next: SupplementDialog) => writeDialog(store, msg.platform, msg.userId, next);
  if (msg.kind === 'image') {
    if (d.photos.length >= MAX_PHOTOS) return [t.say('claim_too_many_photos', { max: MAX_PHOTOS })];
    const photos = [...d.photos, { mediaId: msg.mediaId, ...(msg.url ? { url: msg.url } : {}) }];
    const kept = await keepArrivedPhoto(t, msg.mediaId);
    if (!kept.ok) return [kept.reply];
    await save({ ...d, photos });
    return [t.say('supplement_noted', { photos: photos.length, corrections: list(d.corrections) })];
  }
  if (msg.kind !== 'text') return [t.say('supplement_help', { id: d.claimId })];
  if (SUBMIT.test(text.normalize('NFKC'))) {
    if (!d.photos.length && !Object.keys(d.corrections).length) return [t.say('supplement_nothing', { id: d.claimId })];
    const period = await t.deps.services.periods.currentPeriod();
    const r = await t.deps.services.supplements.resubmitClaim(
      period,
      {
        claimId: d.claimId,
        memberId: p.memberId,
        corrections: d.corrections,
        photos: d.photos.map((ph) => ({ platform: msg.platform, ...ph })),
      },
      `${msg.platform}:${msg.userId}`,
      t.deps.now(),
      { platforms: t.deps.outbox.platforms() },
    );
    if (!r.ok && r.reason === 'invalid') return [t.say('supplement_invalid', { id: d.claimId, problem: r.message })];
    await writeDialog(store, msg.platform, msg.userId, null);
    if (!r.ok) {
      if (r.reason === 'not_waiting') return [t.say('supplement_not_waiting', { id: d.claimId })];
      if (r.reason === 'window') return [t.say('claim_window_closed', { reason: r.message })];
      return [t.say('claim_duplicate_stay', { c: r.conflict, status: CLAIM_STATUS_LABEL[r.conflict.status] })];
    }
    await forgetStatus(store, period.id, p.memberId);
    await enqueueDeliveries(t.deps, r.deliveries);
    return [
      t.say('supplement_done', {
        id: r.claimId,
        subsidyFen: r.subsidy.subsidyFen,
        changes: r.changes,
        photos: r.photosAdded,
      }),
    ];
  }
  const c = parseCorrection(t, text.trim());
  if (!c.ok) return [t.say('supplement_help', { id: d.claimId })];
  const corrections = { ...d.corrections, [c.field]: c.value };
  await save({ ...d, corrections });
  return [t.say('supplement_noted', { photos: d.photos.length, corrections: list(corrections) })];
}

function list(c: SupplementCorrections) {
  return Object.entries(c).map(([k, v]) => ({
    label: CORRECTABLE[k as keyof typeof CORRECTABLE],
    value: v,
    money: k.endsWith('Fen'),
  }));
}
