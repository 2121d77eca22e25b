/**
 * Self-binding a chat user to a roster member (name + last 4 of the ID number or phone), guarded so the last 4
 * cannot be guessed. A per-chat-user limit alone does not hold: an attacker takes a fresh chat id every 5 tries
 * (issue #12). So tries are also counted where they aim:
 * - per roster member targeted (every member whose name was typed): at most MEMBER_TRIES evaluations an hour.
 *   A try is counted BEFORE it is evaluated, so tries sent in parallel cannot exceed the limit either; the try
 *   that uses up the last one and fails locks the member's self-binding for an hour, is written to the audit
 *   log, and the member's rep(s) are told (the caller sends the notice). While any member of the typed name is
 *   locked, every answer for that name is "locked", right last 4 or not, so the lock is no oracle.
 * - per organisation (the member's office, or its unit when it has none): ORG_FAILURES failures an hour, then
 *   self-binding in that organisation pauses for the hour (logged, audited once).
 * The counters live in the shared store (Redis across instances). Binding by a rep or officer (代绑) is not
 * counted and keeps working.
 */

import type { Log } from '../core/log.js';
import { must } from '../core/must.js';
import type { Db } from '../db/client.js';
import type { KeyValueStore } from '../state/store.js';
import { audit } from './audit.js';

export const USER_TRIES = 5;
export const MEMBER_TRIES = 5;
export const ORG_FAILURES = 50;
export const WINDOW_MS = 3_600_000;
/** members of one typed name that are counted (a very common name is bounded) */
const NAMESAKES = 50;

export interface BindingDeps {
  db: Db;
  store: KeyValueStore;
  log: Log;
}

/** A chat identity to tell something (a rep of the member's unit, or the office's officers when it has none). */
export interface ChatAddress {
  platform: string;
  userId: string;
}

export type SelfBindResult =
  | { kind: 'bound'; memberId: number }
  | { kind: 'no_match'; left: number; notify: LockNotice[] }
  /** this chat user used up its tries */
  | { kind: 'user_locked'; notify: LockNotice[] }
  /** a member of the typed name is locked (the same answer whatever the last 4) */
  | { kind: 'member_locked'; notify: LockNotice[] }
  /** self-binding paused in the organisation of a member of the typed name */
  | { kind: 'org_paused'; notify: LockNotice[] };

/** A member whose self-binding was just locked, and who should be told. */
export interface LockNotice {
  memberName: string;
  unitName: string;
  to: ChatAddress[];
}

const userKey = (platform: string, userId: string) => `bind:user:${platform}:${userId}`;
const memberTries = (id: number) => `bind:member:${id}`;
const memberLock = (id: number) => `bind:member-lock:${id}`;
const orgFailures = (id: number) => `bind:org:${id}`;
const orgPause = (id: number) => `bind:org-pause:${id}`;

/** True when this chat user has used up its tries for the hour. */
export async function userLocked(deps: BindingDeps, platform: string, userId: string): Promise<boolean> {
  return Number((await deps.store.get(userKey(platform, userId))) ?? 0) >= USER_TRIES;
}

interface Namesake {
  id: number;
  name: string;
  idLast4: string;
  phone: string | null;
  unitId: number;
  unitName: string;
  orgId: number;
  boundHere: boolean;
}

async function namesakes(db: Db, platform: string, name: string): Promise<Namesake[]> {
  const rows = await db.member.findMany({
    where: { name },
    select: {
      id: true,
      name: true,
      idLast4: true,
      phone: true,
      unitId: true,
      unit: { select: { name: true, officeId: true } },
      identities: { where: { platform }, select: { id: true } },
    },
    orderBy: { id: 'asc' },
    take: NAMESAKES,
  });
  return rows.map((m) => ({
    id: m.id,
    name: m.name,
    idLast4: m.idLast4,
    phone: m.phone,
    unitId: m.unitId,
    unitName: m.unit.name,
    orgId: m.unit.officeId ?? m.unitId,
    boundHere: m.identities.length > 0,
  }));
}

const matches = (m: Namesake, last4: string) => m.idLast4.toUpperCase() === last4 || m.phone?.endsWith(last4) === true;

/** Reps of the member's unit; the officers of its office when the unit has no rep. */
async function whoToTell(db: Db, m: Namesake): Promise<ChatAddress[]> {
  const grants = async (role: string, orgId: number) =>
    (
      await db.roleGrant.findMany({
        where: { role, orgId },
        select: { member: { select: { identities: { select: { platform: true, userId: true } } } } },
      })
    ).flatMap((g) => g.member.identities.map((i) => ({ platform: i.platform, userId: i.userId })));
  const reps = await grants('rep', m.unitId);
  if (reps.length || m.orgId === m.unitId) return reps;
  return grants('officer', m.orgId);
}

/** Gives back a try counted for a member that was not its target after all (another member was bound). */
async function refund(store: KeyValueStore, key: string) {
  await store.update(key, (v) => (v === null || Number(v) <= 1 ? null : String(Number(v) - 1)), WINDOW_MS);
}

/** One self-binding try by the chat user `platform:userId` (the audit log's actor). */
export async function trySelfBind(
  deps: BindingDeps,
  input: { platform: string; userId: string; name: string; last4: string },
): Promise<SelfBindResult> {
  const { db, store, log } = deps;
  const { platform, userId, name } = input;
  const last4 = input.last4.toUpperCase();
  const actor = `${platform}:${userId}`;
  if (await userLocked(deps, platform, userId)) return { kind: 'user_locked', notify: [] };

  const people = await namesakes(db, platform, name);
  for (const m of people) if (await store.get(memberLock(m.id))) return { kind: 'member_locked', notify: [] };
  for (const org of new Set(people.map((m) => m.orgId)))
    if (await store.get(orgPause(org))) return { kind: 'org_paused', notify: [] };

  // counted before the answer is known: parallel tries cannot get more than MEMBER_TRIES evaluations
  const counted: { m: Namesake; n: number }[] = [];
  for (const m of people) counted.push({ m, n: await store.incr(memberTries(m.id), WINDOW_MS) });
  const over = counted.filter((c) => c.n > MEMBER_TRIES);
  if (over.length) {
    for (const c of counted) if (c.n <= MEMBER_TRIES) await refund(store, memberTries(c.m.id));
    return { kind: 'member_locked', notify: [] };
  }

  const found = people.filter((m) => !m.boundHere && matches(m, last4));
  if (found.length === 1) {
    const member = must(found[0], 'exactly one member matched');
    await db.$transaction(async (tx) => {
      await tx.chatIdentity.create({ data: { platform, userId, memberId: member.id, boundBy: 'self' } });
      await audit(tx, actor, 'identity.bind', 'Member', member.id);
    });
    await store.del(userKey(platform, userId));
    await store.del(memberTries(member.id));
    for (const c of counted) if (c.m.id !== member.id) await refund(store, memberTries(c.m.id));
    return { kind: 'bound', memberId: member.id };
  }

  // a failure: the chat user, each member aimed at, and their organisations
  const tries = await store.incr(userKey(platform, userId), WINDOW_MS);
  const notify: LockNotice[] = [];
  for (const c of counted) {
    if (c.n !== MEMBER_TRIES) continue;
    // the try that used up the member's last one: locked for an hour from now, once
    if (!(await store.setIfAbsent(memberLock(c.m.id), '1', WINDOW_MS))) continue;
    await audit(db, actor, 'identity.self_bind_locked', 'Member', c.m.id, {
      failures: MEMBER_TRIES,
      lockedForMs: WINDOW_MS,
    });
    log.warn({ memberId: c.m.id, failures: MEMBER_TRIES }, 'self-binding locked for a member after failed tries');
    notify.push({ memberName: c.m.name, unitName: c.m.unitName, to: await whoToTell(db, c.m) });
  }
  for (const org of new Set(people.map((m) => m.orgId))) {
    const n = await store.incr(orgFailures(org), WINDOW_MS);
    if (n >= ORG_FAILURES && (await store.setIfAbsent(orgPause(org), '1', WINDOW_MS))) {
      await audit(db, actor, 'identity.self_bind_paused', 'Org', org, { failures: n, pausedForMs: WINDOW_MS });
      log.warn({ orgId: org, failures: n }, 'self-binding paused in an organisation after failed tries');
    }
  }
  if (notify.length) return { kind: 'member_locked', notify };
  if (tries >= USER_TRIES) return { kind: 'user_locked', notify };
  return { kind: 'no_match', left: USER_TRIES - tries, notify };
}

export type ProxyBindResult =
  | { kind: 'bound'; memberId: number }
  | { kind: 'taken' }
  /** the member the binder meant already has an account on this platform */
  | { kind: 'member_bound' }
  | { kind: 'no_match' };

/**
 * 代绑: a rep binds a chat user to a member of their unit, an officer to one of their office. Not counted
 * against the guards above (the binder is known and audited), so it works while self-binding is locked.
 */
export async function bindOnBehalfOf(
  deps: BindingDeps,
  input: {
    platform: string;
    binder: { userId: string; roles: { role: string; orgId: number }[] };
    userId: string;
    name: string;
    last4: string;
  },
): Promise<ProxyBindResult> {
  const { db } = deps;
  const { platform, userId } = input;
  const existing = await db.chatIdentity.findUnique({ where: { platform_userId: { platform, userId } } });
  if (existing) return { kind: 'taken' };
  const last4 = input.last4.toUpperCase();
  const theirs = (await namesakes(db, platform, input.name)).filter(
    (m) =>
      matches(m, last4) &&
      input.binder.roles.some(
        (r) => (r.role === 'rep' && r.orgId === m.unitId) || (r.role === 'officer' && r.orgId === m.orgId),
      ),
  );
  const allowed = theirs.filter((m) => !m.boundHere);
  if (allowed.length === 0 && theirs.length > 0) return { kind: 'member_bound' };
  if (allowed.length !== 1) return { kind: 'no_match' };
  const member = must(allowed[0], 'exactly one member is allowed');
  const actor = `${platform}:${input.binder.userId}`;
  await db.$transaction(async (tx) => {
    await tx.chatIdentity.create({ data: { platform, userId, memberId: member.id, boundBy: actor } });
    await audit(tx, actor, 'identity.bind_on_behalf', 'Member', member.id, { userId });
  });
  return { kind: 'bound', memberId: member.id };
}
