/**
 * 已收费 张三 李四 0029: a rep records the fees their unit collected (issue #15 item 3). Each name or ID tail is
 * looked up among the enrolments of the rep's own units in the current period; those that fit nobody, or several,
 * are listed politely; the rest go on a confirmation card (N 人, the total, names with masked ID numbers). Only the
 * same rep's 确认 records them, once: the pending batch is taken atomically from the shared store, and the writer
 * itself never moves a payment already recorded.
 */
import { z } from 'zod';
import type { Card, InboundMessage, OutboundMessage } from '../../core/messages.js';
import { maskIdNumber, shanghaiStamp } from '../../rules/index.js';
import { type Person, rolesOf } from '../../services/people.js';
import type { Turn } from '../context.js';

const ACTION = /^fees:(confirm|cancel):([A-Za-z0-9_-]{1,100})$/;
const PENDING_TTL_MS = 30 * 60_000;

const Pending = z.object({
  id: z.string().min(1),
  memberId: z.number().int(),
  periodId: z.number().int(),
  periodName: z.string(),
  unit: z.string(),
  people: z.array(
    z.object({ enrolmentId: z.number().int(), name: z.string(), idLast4: z.string(), feeFen: z.number().int() }),
  ),
});
type Pending = z.infer<typeof Pending>;

const pendingKey = (id: string) => `fees:pending:${id}`;

function readPending(raw: string | null): Pending | null {
  if (!raw) return null;
  try {
    const r = Pending.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export function isFeeAction(action: string): boolean {
  return ACTION.test(action);
}

/** only the last 4 are stored; shown as a whole number masked, as everywhere else */
const masked = (idLast4: string) => maskIdNumber(`${'0'.repeat(14)}${idLast4}`);

function card(t: Turn, p: Pending, finalText?: string): Card {
  return t.deps.templates.card(
    'fee_collect_confirm',
    {
      unit: p.unit,
      period: p.periodName,
      count: p.people.length,
      totalFen: p.people.reduce((s, x) => s + x.feeFen, 0),
      people: p.people.map((x) => ({ name: x.name, id: masked(x.idLast4), feeFen: x.feeFen })),
    },
    {
      id: p.id,
      buttons: [
        { key: `fees:confirm:${p.id}`, text: '确认', style: 'primary' },
        { key: `fees:cancel:${p.id}`, text: '取消', style: 'default' },
      ],
      ...(finalText ? { finalText } : {}),
    },
  );
}

export async function collectFeesCommand(t: Turn, p: Person, tokens: string[]): Promise<OutboundMessage[]> {
  const units = rolesOf(p, 'rep');
  if (!units.length) return [t.say('forbidden', { what: '登记收费', who: '单位代办员' })];
  if (!tokens.length) return [t.say('fee_collect_format')];
  const { services } = t.deps;
  const period = await services.periods.currentPeriod();
  const unitIds = await services.feeCollection.repUnitIds(units.map((u) => u.orgId));
  const r = await services.feeCollection.lookUpFeePayers(period.id, unitIds, tokens);
  const toRecord = r.found.filter((x) => !x.paid);
  const already = r.found.filter((x) => x.paid);
  const replies: OutboundMessage[] = [];
  if (already.length || r.ambiguous.length || r.unknown.length || !toRecord.length)
    replies.push(
      t.say('fee_collect_lookup', {
        period: period.name,
        already: already.map((x) => ({ name: x.name, id: masked(x.idLast4) })),
        ambiguous: r.ambiguous.map((a) => ({
          token: a.token,
          candidates: a.candidates.map((c) => ({ name: c.name, id: masked(c.idLast4), idLast4: c.idLast4 })),
        })),
        unknown: r.unknown,
        none: toRecord.length === 0,
      }),
    );
  if (!toRecord.length) return replies;
  const pending: Pending = {
    id: `fees-${t.deps.now().getTime().toString(36)}${Math.random().toString(36).slice(2, 8)}`,
    memberId: p.memberId,
    periodId: period.id,
    periodName: period.name,
    unit: [...new Set(toRecord.map((x) => x.unitName))].join('、'),
    people: toRecord.map((x) => ({ enrolmentId: x.enrolmentId, name: x.name, idLast4: x.idLast4, feeFen: x.feeFen })),
  };
  await t.deps.store.set(pendingKey(pending.id), JSON.stringify(pending), PENDING_TTL_MS);
  return [...replies, { kind: 'card', card: card(t, pending) }];
}

/** 确认 / 取消 on the card: only the rep who asked, only once, only the people it showed. */
export async function onFeeClick(
  t: Turn & { msg: InboundMessage & { kind: 'card_click' } },
): Promise<OutboundMessage[]> {
  const m = ACTION.exec(t.msg.action);
  const p = t.person;
  if (!m || !p) return [t.say('card_unknown')];
  const [, action, id] = m as unknown as [string, 'confirm' | 'cancel', string];
  const seen = readPending(await t.deps.store.get(pendingKey(id)));
  if (!seen) return [t.say('fee_collect_expired')];
  const units = await t.deps.services.feeCollection.repUnitIds(rolesOf(p, 'rep').map((r) => r.orgId));
  if (seen.memberId !== p.memberId || !units.length) return [t.say('no_permission')];
  // take it atomically: of two clicks (or two instances) exactly one gets the batch
  let taken: string | null = null;
  await t.deps.store.update(
    pendingKey(id),
    (current) => {
      taken = current;
      return null;
    },
    PENDING_TTL_MS,
  );
  const batch = readPending(taken);
  if (!batch) return [t.say('fee_collect_expired')];
  const at = t.deps.now();
  const stamp = shanghaiStamp(at);
  const actor = `${t.msg.platform}:${t.msg.userId}`;
  if (action === 'cancel') {
    await t.deps.services.audit.audit(actor, 'fees.collect_cancelled', 'Period', batch.periodId, { card: batch.id });
    await updateCard(t, batch, { state: 'cancelled', by: p.name, at: stamp });
    return [t.say('fee_collect_cancelled')];
  }
  const r = await t.deps.services.feeCollection.recordCollectedFees({
    periodId: batch.periodId,
    unitIds: units,
    enrolmentIds: batch.people.map((x) => x.enrolmentId),
    actor,
    at,
  });
  const moved = new Set(r.paid.map((x) => x.enrolmentId));
  await updateCard(t, batch, { state: 'applied', count: moved.size, by: p.name, at: stamp });
  return [
    t.say('fee_collect_done', {
      period: batch.periodName,
      count: moved.size,
      totalFen: r.paid.reduce((s, x) => s + x.feeFen, 0),
      names: batch.people.filter((x) => moved.has(x.enrolmentId)).map((x) => x.name),
      already: r.alreadyPaid,
    }),
  ];
}

async function updateCard(
  t: Turn & { msg: InboundMessage & { kind: 'card_click' } },
  p: Pending,
  state: Record<string, unknown>,
) {
  const finalText = t.deps.templates.render('fee_collect_card_state', state);
  try {
    await t.deps.outbox.updateCard(
      t.msg.platform,
      { cardId: p.id, ...(t.msg.responseCode ? { responseCode: t.msg.responseCode } : {}), userIds: [t.msg.userId] },
      { kind: 'card', card: card(t, p, finalText) },
    );
  } catch (e) {
    t.deps.log.warn({ err: e, cardId: p.id }, 'fee collection card update failed');
  }
}
