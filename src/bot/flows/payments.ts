/**
 * 已支付 12,13 / 全部已支付: an officer marks approved claims of their office paid. Naming claims marks them at once
 * (each number is explicit), and a number already paid is answered with when and by whom. 全部已支付 first shows
 * the count and the total on a confirmation card; only the same officer's 确认 click marks exactly the claims
 * shown (the pending batch is taken atomically from the shared store, so two clicks mark once). A claim whose
 * member's unit breaks the entry rules (seed 004) is held back: the card leaves it out and says how many and why,
 * and the mark itself refuses it, in its transaction (services/payments.ts).
 */

import { z } from 'zod';
import type { Card, InboundMessage, OutboundMessage } from '../../core/messages.js';
import { shanghaiStamp } from '../../rules/index.js';
import type { MarkPaidResult } from '../../services/payments.js';
import type { Person } from '../../services/people.js';
import type { Turn } from '../context.js';
import { parseStored } from '../stored.js';
import { approverOf, forgetWorkerStatus } from './approver.js';
import { enqueueDeliveries } from './claim-deliveries.js';
import { CLAIM_STATUS_LABEL } from './worker.js';

const PAY_ACTION = /^paid:(confirm|cancel):([A-Za-z0-9_-]{1,100})$/;
const PENDING_TTL_MS = 30 * 60_000;

const PendingBatch = z.object({
  id: z.string(),
  memberId: z.number().int(),
  claims: z.array(z.object({ id: z.number().int(), subsidyFen: z.number().int() })),
  totalFen: z.number().int(),
  /** approved claims left off the card: their unit breaks the entry rules */
  heldBack: z.array(z.object({ id: z.number().int(), reason: z.string() })).default([]),
});
type PendingBatch = z.infer<typeof PendingBatch>;

const pendingKey = (id: string) => `paid:pending:${id}`;

export function isPayAction(action: string): boolean {
  return PAY_ACTION.test(action);
}

function confirmCard(t: Turn, b: PendingBatch, finalText?: string): Card {
  return t.deps.templates.card(
    'paid_confirm',
    { count: b.claims.length, totalFen: b.totalFen, ids: b.claims.map((c) => c.id), held: heldLines(b.heldBack) },
    {
      id: b.id,
      buttons: [
        { key: `paid:confirm:${b.id}`, text: '确认已支付', style: 'primary' },
        { key: `paid:cancel:${b.id}`, text: '取消', style: 'default' },
      ],
      ...(finalText ? { finalText } : {}),
    },
  );
}

/** held-back claims grouped by reason, for the card and the answers: #3、#7 with their unit's reason */
function heldLines(held: { id: number; reason: string }[]): { ids: number[]; reason: string }[] {
  const by = new Map<string, number[]>();
  for (const h of held) by.set(h.reason, [...(by.get(h.reason) ?? []), h.id]);
  return [...by].map(([reason, ids]) => ({ reason, ids }));
}

async function apply(t: Turn, p: Person, ids: number[]): Promise<MarkPaidResult> {
  const a = approverOf(p);
  const r = await t.deps.services.payments.markPaid(
    ids,
    { memberId: p.memberId, name: p.name, offices: a.offices },
    `${t.msg.platform}:${t.msg.userId}`,
    t.deps.now(),
    { platforms: t.deps.outbox.platforms() },
  );
  await enqueueDeliveries(t.deps, r.deliveries);
  for (const c of r.moved) await forgetWorkerStatus(t.deps, c.id);
  return r;
}

function answer(t: Turn, r: MarkPaidResult, held: { id: number; reason: string }[] = []): OutboundMessage {
  return t.say('marked_paid', {
    held: heldLines(held),
    ids: r.moved.map((c) => c.id),
    totalFen: r.moved.reduce((s, c) => s + c.subsidyFen, 0),
    notMarked: r.notMarked.map((n) =>
      n.reason === 'not_approved' ? { ...n, status: CLAIM_STATUS_LABEL[n.status] ?? n.status } : n,
    ),
  });
}

/** 已支付 12,13 (the claim numbers, read by nlu/commands.ts) or 全部已支付 ('all': confirmed on a card first). */
export async function markPaidCommand(t: Turn, p: Person, paid: number[] | 'all'): Promise<OutboundMessage[]> {
  const a = approverOf(p);
  if (!a.offices.length) return [t.say('forbidden', { what: '标记支付', who: '办事处经办人' })];
  if (paid !== 'all') return [answer(t, await apply(t, p, paid))];
  const { payable: claims, heldBack } = await t.deps.services.payments.payableOf(a.offices);
  const held = heldBack.map((h) => ({ id: h.id, reason: h.reason }));
  if (!claims.length) return [t.say('marked_paid', { ids: [], notMarked: [], held: heldLines(held) })];
  const batch: PendingBatch = {
    id: `paid-${t.deps.now().getTime().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
    memberId: p.memberId,
    claims,
    totalFen: claims.reduce((s, c) => s + c.subsidyFen, 0),
    heldBack: held,
  };
  await t.deps.store.set(pendingKey(batch.id), JSON.stringify(batch), PENDING_TTL_MS);
  return [{ kind: 'card', card: confirmCard(t, batch) }];
}

/** 确认已支付 / 取消 on the confirmation card: only its officer, only once, only the claims it showed. */
export async function onPayClick(
  t: Turn & { msg: InboundMessage & { kind: 'card_click' } },
): Promise<OutboundMessage[]> {
  const m = PAY_ACTION.exec(t.msg.action);
  const p = t.person;
  if (!m || !p) return [t.say('card_unknown')];
  const [, action, id] = m as unknown as [string, 'confirm' | 'cancel', string];
  const raw = await t.deps.store.get(pendingKey(id));
  const seen = parseStored(PendingBatch, raw, 'paid', t.deps.log);
  if (!seen) return [t.say('paid_confirm_expired')];
  if (seen.memberId !== p.memberId) return [t.say('no_permission')];
  let taken: PendingBatch | null = null;
  await t.deps.store.update(
    pendingKey(id),
    (current) => {
      taken = parseStored(PendingBatch, current, 'paid', t.deps.log);
      return null;
    },
    PENDING_TTL_MS,
  );
  const batch = taken as PendingBatch | null;
  if (!batch) return [t.say('paid_confirm_expired')];
  const stamp = shanghaiStamp(t.deps.now());
  if (action === 'cancel') {
    await updateCard(t, batch, `已取消 · ${p.name} · ${stamp}`);
    return [t.say('paid_cancelled')];
  }
  const r = await apply(
    t,
    p,
    batch.claims.map((c) => c.id),
  );
  await updateCard(t, batch, `已标记支付 ${r.moved.length} 笔 · ${p.name} · ${stamp}`);
  return [answer(t, r, batch.heldBack)];
}

async function updateCard(
  t: Turn & { msg: InboundMessage & { kind: 'card_click' } },
  b: PendingBatch,
  finalText: string,
) {
  try {
    await t.deps.outbox.updateCard(
      t.msg.platform,
      { cardId: b.id, ...(t.msg.responseCode ? { responseCode: t.msg.responseCode } : {}), userIds: [t.msg.userId] },
      { kind: 'card', card: confirmCard(t, b, finalText) },
    );
  } catch (e) {
    t.deps.log.warn({ err: e, cardId: b.id }, 'payment card update failed');
  }
}
