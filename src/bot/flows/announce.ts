/**
 * 发布通知 …: an officer (or admin) posts an ad-hoc announcement to the groups of their federation. The bot first
 * answers with a confirmation card (发布 / 取消); only the confirming click of the same person queues it, once
 * (the pending announcement is taken atomically from the shared store), and the audit log records it.
 */

import { z } from 'zod';
import type { Card, InboundMessage, OutboundMessage } from '../../core/messages.js';
import { maskName, shanghaiDate, shanghaiStamp } from '../../rules/index.js';
import type { Enqueue } from '../../services/job-queue.js';
import type { Person } from '../../services/people.js';
import type { Turn } from '../context.js';
import { parseStored } from '../stored.js';

export const ANNOUNCE_ACTION = /^announce:(publish|cancel):([A-Za-z0-9_-]{1,100})$/;
const PENDING_TTL_MS = 30 * 60_000;
const MAX_CHARS = 1500;

const Pending = z.object({
  id: z.string(),
  text: z.string(),
  federationId: z.number().int(),
  memberId: z.number().int(),
  office: z.string(),
  groups: z.number().int(),
});
type Pending = z.infer<typeof Pending>;

const pendingKey = (id: string) => `announce:pending:${id}`;

export function isAnnounceAction(action: string): boolean {
  return ANNOUNCE_ACTION.test(action);
}

function announcerOrg(p: Person) {
  return p.roles.find((r) => r.role === 'officer') ?? p.roles.find((r) => r.role === 'admin') ?? null;
}

function confirmCard(t: Turn, pending: Pending, finalText?: string): Card {
  return t.deps.templates.card(
    'announce_confirm',
    { text: pending.text, groups: pending.groups, office: pending.office },
    {
      id: pending.id,
      buttons: [
        { key: `announce:publish:${pending.id}`, text: '发布', style: 'primary' },
        { key: `announce:cancel:${pending.id}`, text: '取消', style: 'default' },
      ],
      ...(finalText ? { finalText } : {}),
    },
  );
}

/** The 发布通知 intent: checks the role and the text, answers with the confirmation card. */
export async function startAnnouncement(t: Turn, p: Person, text: string | undefined): Promise<OutboundMessage[]> {
  const org = announcerOrg(p);
  if (!org) return [t.say('forbidden', { what: '发布通知', who: '办事处经办人或管理员' })];
  const body = (text ?? '').trim();
  if (!body) return [t.say('announce_need_text')];
  if (body.length > MAX_CHARS) return [t.say('announce_too_long', { max: MAX_CHARS, length: body.length })];
  const federationId = await t.deps.services.broadcasts.federationOf(org.orgId);
  const groups =
    federationId === null ? [] : await t.deps.services.broadcasts.groupsUnder(federationId, t.deps.outbox.platforms());
  if (federationId === null || !groups.length) return [t.say('announce_no_groups')];
  const id = `announce-${t.deps.now().getTime().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const pending: Pending = {
    id,
    text: body,
    federationId,
    memberId: p.memberId,
    office: org.orgName,
    groups: groups.length,
  };
  await t.deps.store.set(pendingKey(id), JSON.stringify(pending), PENDING_TTL_MS);
  return [{ kind: 'card', card: confirmCard(t, pending) }];
}

/** A click on 发布 / 取消. `enqueue` is the job runner's (the announcement goes out through the queue). */
export async function onAnnounceClick(
  t: Turn & { msg: InboundMessage & { kind: 'card_click' } },
  enqueue: Enqueue,
): Promise<OutboundMessage[]> {
  const m = ANNOUNCE_ACTION.exec(t.msg.action);
  const p = t.person;
  if (!m || !p) return [t.say('card_unknown')];
  const [, action, id] = m as unknown as [string, 'publish' | 'cancel', string];
  const seen = parseStored(Pending, await t.deps.store.get(pendingKey(id)), 'announce', t.deps.log);
  if (!seen) return [t.say('announce_expired')];
  if (seen.memberId !== p.memberId) return [t.say('forbidden', { what: '确认他人的通知', who: '发起人本人' })];
  // take it atomically: of two clicks (or two instances) exactly one gets the pending announcement
  let taken: Pending | null = null;
  await t.deps.store.update(
    pendingKey(id),
    (current) => {
      taken = parseStored(Pending, current, 'announce', t.deps.log);
      return null;
    },
    PENDING_TTL_MS,
  );
  const pending = taken as Pending | null;
  if (!pending) return [t.say('announce_expired')];

  const now = t.deps.now();
  const stamp = shanghaiStamp(now);
  const actor = `${t.msg.platform}:${t.msg.userId}`;
  if (action === 'cancel') {
    await t.deps.services.audit.audit(actor, 'announce.cancelled', 'Announcement', id, { chars: pending.text.length });
    await updateCard(t, pending, `已取消 · ${p.name} · ${stamp}`);
    return [t.say('announce_cancelled')];
  }
  await t.deps.services.audit.audit(actor, 'announce.adhoc', 'Announcement', id, {
    text: pending.text,
    federationId: pending.federationId,
    groups: pending.groups,
  });
  await enqueue(
    'announce.adhoc',
    {
      id,
      text: pending.text,
      federationId: pending.federationId,
      by: maskName(p.name),
      office: pending.office,
      date: shanghaiDate(now),
    },
    { jobId: `announce|${id}` },
  );
  await updateCard(t, pending, `已发布 · ${p.name} · ${stamp}`);
  return [t.say('announce_done', { groups: pending.groups })];
}

async function updateCard(
  t: Turn & { msg: InboundMessage & { kind: 'card_click' } },
  pending: Pending,
  finalText: string,
) {
  try {
    await t.deps.outbox.updateCard(
      t.msg.platform,
      {
        cardId: pending.id,
        ...(t.msg.responseCode ? { responseCode: t.msg.responseCode } : {}),
        userIds: [t.msg.userId],
      },
      { kind: 'card', card: confirmCard(t, pending, finalText) },
    );
  } catch (e) {
    t.deps.log.warn({ err: e, cardId: pending.id }, 'announcement card update failed');
  }
}
