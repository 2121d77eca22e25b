/**
 * Binding a chat user to a roster member: name, then the last 4 characters of the ID number (or of the phone).
 * Five failed tries lock binding for an hour. A rep or officer can bind on a worker's behalf (代绑).
 */
import { audit } from '../../services/audit.js';
import { hasRole, type Person } from '../../services/people.js';
import type { Turn } from '../context.js';
import { writeDialog } from '../dialog.js';
import type { OutboundMessage } from '../messages.js';

const MAX_TRIES = 5;
const LOCK_MS = 3_600_000;

function failKey(t: Turn): string {
  return `bindfail:${t.msg.platform}:${t.msg.userId}`;
}

export async function bindingLocked(t: Turn): Promise<boolean> {
  const v = await t.deps.store.get(failKey(t));
  return Number(v ?? 0) >= MAX_TRIES;
}

export async function startBinding(t: Turn): Promise<OutboundMessage[]> {
  if (await bindingLocked(t)) return [t.say('bind_locked')];
  await writeDialog(t.deps.store, t.msg.platform, t.msg.userId, { flow: 'bind', step: 'name' });
  return [t.say('bind_ask_name')];
}

const NAME = /^[\p{Script=Han}A-Za-z·]{2,30}$/u;

/** Members that match name + last 4 of ID or phone and have no identity on this platform yet. */
async function candidates(t: Turn, name: string, last4: string) {
  const { db } = t.deps;
  const members = await db.member.findMany({
    where: { name, OR: [{ idLast4: last4.toUpperCase() }, { phone: { endsWith: last4 } }] },
    select: {
      id: true,
      identities: { where: { platform: t.msg.platform }, select: { id: true } },
      unitId: true,
      unit: { select: { officeId: true } },
    },
    take: 5,
  });
  return members.filter((m) => m.identities.length === 0);
}

export async function continueBinding(
  t: Turn,
  step: 'name' | 'last4',
  name: string | undefined,
  text: string,
): Promise<OutboundMessage[]> {
  const { store } = t.deps;
  if (await bindingLocked(t)) {
    await writeDialog(store, t.msg.platform, t.msg.userId, null);
    return [t.say('bind_locked')];
  }
  if (step === 'name') {
    const n = text.replace(/\s+/g, '');
    if (!NAME.test(n)) return [t.say('bind_bad_name')];
    await writeDialog(store, t.msg.platform, t.msg.userId, { flow: 'bind', step: 'last4', name: n });
    return [t.say('bind_ask_last4', { name: n })];
  }
  const last4 = text.replace(/\s+/g, '').toUpperCase();
  if (!/^[0-9]{3}[0-9X]$/.test(last4)) return [t.say('bind_bad_last4')];
  const found = await candidates(t, name ?? '', last4);
  if (found.length !== 1) {
    const tries = await store.incr(failKey(t), LOCK_MS);
    if (tries >= MAX_TRIES) {
      await writeDialog(store, t.msg.platform, t.msg.userId, null);
      return [t.say('bind_locked')];
    }
    await writeDialog(store, t.msg.platform, t.msg.userId, { flow: 'bind', step: 'name' });
    return [t.say('bind_no_match', { left: MAX_TRIES - tries })];
  }
  await t.deps.db.chatIdentity.create({
    data: { platform: t.msg.platform, userId: t.msg.userId, memberId: found[0]!.id, boundBy: 'self' },
  });
  await audit(t.deps.db, `${t.msg.platform}:${t.msg.userId}`, 'identity.bind', 'Member', found[0]!.id);
  await store.del(failKey(t));
  await writeDialog(store, t.msg.platform, t.msg.userId, null);
  return [t.say('bind_done', { name })];
}

/** 代绑 <chat user id> <姓名> <后4位>: a rep for their unit, an officer for their office. */
export async function bindOnBehalf(
  t: Turn,
  person: Person,
  userId: string,
  name: string,
  last4: string,
): Promise<OutboundMessage[]> {
  const { db } = t.deps;
  if (!hasRole(person, 'rep') && !hasRole(person, 'officer')) return [t.say('forbidden', { what: '代为绑定' })];
  const existing = await db.chatIdentity.findUnique({
    where: { platform_userId: { platform: t.msg.platform, userId } },
  });
  if (existing) return [t.say('bind_proxy_taken', { userId })];
  const found = await candidates(t, name, last4);
  const allowed = found.filter((m) =>
    person.roles.some(
      (r) => (r.role === 'rep' && r.orgId === m.unitId) || (r.role === 'officer' && r.orgId === m.unit.officeId),
    ),
  );
  if (allowed.length !== 1) return [t.say('bind_proxy_no_match')];
  await db.chatIdentity.create({
    data: { platform: t.msg.platform, userId, memberId: allowed[0]!.id, boundBy: `${t.msg.platform}:${t.msg.userId}` },
  });
  await audit(db, `${t.msg.platform}:${t.msg.userId}`, 'identity.bind_on_behalf', 'Member', allowed[0]!.id, { userId });
  return [t.say('bind_proxy_done', { name, userId })];
}
