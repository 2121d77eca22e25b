/**
 * Binding a chat user to a roster member: name, then the last 4 characters of the ID number (or of the phone).
 * The guards against guessing (tries per chat user, per member aimed at, per organisation) live in
 * src/services/binding.ts; this flow only asks, answers, and tells the rep when a member's self-binding locks.
 * A rep or officer can bind on a worker's behalf (代绑), which the guards do not stop.
 */

import type { OutboundMessage } from '../../core/messages.js';
import type { TemplateKey } from '../../core/template-keys.js';
import type { LockNotice } from '../../services/binding.js';
import { hasRole, type Person } from '../../services/people.js';
import type { BotDeps, Turn } from '../context.js';
import { type Dialog, writeDialog } from '../dialog.js';

export async function bindingLocked(t: Turn): Promise<boolean> {
  return t.deps.services.binding.userLocked(t.msg.platform, t.msg.userId);
}

/** `first`: the question the person opened with, kept in the dialog and answered once they are bound. */
export async function startBinding(t: Turn, first?: string): Promise<OutboundMessage[]> {
  if (await bindingLocked(t)) return [t.say('bind_locked')];
  await writeDialog(t.deps.store, t.msg.platform, t.msg.userId, { flow: 'bind', step: 'name', first });
  return [t.say('bind_ask_name')];
}

/** A binding turn's replies; once bound, the question asked first (the bot answers it next). */
export type BindingTurn =
  | { kind: 'bound'; replies: OutboundMessage[]; first?: string }
  | { kind: 'asking' | 'stopped'; replies: OutboundMessage[] };

const NAME = /^[\p{Script=Han}A-Za-z·]{2,30}$/u;

/** The rep(s) of a member whose self-binding just locked are told, on every platform they use. */
async function tellReps(deps: BotDeps, notices: LockNotice[]) {
  const platforms = deps.outbox.platforms();
  for (const n of notices) {
    const text = deps.templates.render('bind_member_locked_rep', { name: n.memberName, unit: n.unitName });
    for (const to of n.to) {
      if (!platforms.includes(to.platform)) continue;
      try {
        await deps.outbox.send(to.platform, { userIds: [to.userId] }, { kind: 'text', text });
      } catch (e) {
        deps.log.warn({ err: e }, 'telling the rep about a locked self-binding failed');
      }
    }
  }
}

export async function continueBinding(
  t: Turn,
  dialog: Extract<Dialog, { flow: 'bind' }>,
  text: string,
): Promise<BindingTurn> {
  const { store } = t.deps;
  const { platform, userId } = t.msg;
  const { first, name } = dialog;
  const stop = async (key: TemplateKey): Promise<BindingTurn> => {
    await writeDialog(store, platform, userId, null);
    return { kind: 'stopped', replies: [t.say(key)] };
  };
  const ask = (key: TemplateKey, vars: Record<string, unknown> = {}): BindingTurn => ({
    kind: 'asking',
    replies: [t.say(key, vars)],
  });
  if (await bindingLocked(t)) return stop('bind_locked');
  if (dialog.step === 'name') {
    const n = text.replace(/\s+/g, '');
    if (!NAME.test(n)) return ask('bind_bad_name');
    await writeDialog(store, platform, userId, { flow: 'bind', step: 'last4', name: n, first });
    return ask('bind_ask_last4', { name: n });
  }
  const last4 = text.replace(/\s+/g, '').toUpperCase();
  if (!/^[0-9]{3}[0-9X]$/.test(last4)) return ask('bind_bad_last4');
  const r = await t.deps.services.binding.trySelfBind({ platform, userId, name: name ?? '', last4 });
  if (r.kind !== 'bound') await tellReps(t.deps, r.notify);
  switch (r.kind) {
    case 'bound':
      await writeDialog(store, platform, userId, null);
      return { kind: 'bound', replies: [t.say('bind_done', { name, first })], first };
    case 'no_match':
      await writeDialog(store, platform, userId, { flow: 'bind', step: 'name', first });
      return ask('bind_no_match', { left: r.left });
    case 'user_locked':
      return stop('bind_locked');
    case 'member_locked':
      return stop('bind_member_locked');
    case 'org_paused':
      return stop('bind_org_paused');
  }
}

/** 代绑 <chat user id> <姓名> <后4位>: a rep for their unit, an officer for their office. */
export async function bindOnBehalf(
  t: Turn,
  person: Person,
  userId: string,
  name: string,
  last4: string,
): Promise<OutboundMessage[]> {
  if (!hasRole(person, 'rep') && !hasRole(person, 'officer')) return [t.say('forbidden', { what: '代为绑定' })];
  const r = await t.deps.services.binding.bindOnBehalfOf({
    platform: t.msg.platform,
    binder: { userId: t.msg.userId, roles: person.roles },
    userId,
    name,
    last4,
  });
  if (r.kind === 'taken') return [t.say('bind_proxy_taken', { userId })];
  if (r.kind === 'member_bound') return [t.say('bind_proxy_member_bound', { name })];
  if (r.kind === 'no_match') return [t.say('bind_proxy_no_match')];
  await tellBound(t, userId, name, person.name);
  return [t.say('bind_proxy_done', { name, userId })];
}

/** The worker bound by a rep hears it in their own chat, on the platform the rep used (they may never have written). */
async function tellBound(t: Turn, userId: string, name: string, binder: string) {
  const text = t.deps.templates.render('bind_proxy_notice', { name, binder });
  try {
    await t.deps.outbox.send(t.msg.platform, { userIds: [userId] }, { kind: 'text', text });
  } catch (e) {
    t.deps.log.warn({ err: e }, 'telling a worker of their binding by a rep failed');
  }
}
