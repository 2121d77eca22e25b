/**
 * Who gets a broadcast on each platform: reps through their chat identity on that platform, groups through the
 * orgs' configured group chats (Org.groupChats, JSON {platform: chatId}).
 */
import { z } from 'zod';
import { tryJsonColumn } from '../../core/json-column.js';
import type { Db } from '../../db/client.js';
import { Prisma } from '../../generated/sqlite/client.js';

export interface RepTarget {
  platform: string;
  userId: string;
  /** the orgs this person is rep of */
  orgIds: number[];
}

/**
 * One join, not a nested read: a province has 10 000 reps, and Prisma's nested select of each grant's identities
 * took about a second of the daily push. Order: grants by id, then identities by id (a rep keeps their place).
 */
export async function repTargets(db: Db, platforms: string[]): Promise<RepTarget[]> {
  if (!platforms.length) return [];
  const rows = await db.$queryRaw<{ orgId: number; platform: string; userId: string }[]>`
    SELECT g."orgId" AS "orgId", i."platform" AS "platform", i."userId" AS "userId"
    FROM "RoleGrant" g JOIN "ChatIdentity" i ON i."memberId" = g."memberId"
    WHERE g."role" = 'rep' AND i."platform" IN (${Prisma.join(platforms)})
    ORDER BY g."id", i."id"`;
  const byUser = new Map<string, RepTarget>();
  for (const r of rows) {
    const orgId = Number(r.orgId);
    const k = `${r.platform}\u0000${r.userId}`;
    const t = byUser.get(k) ?? { platform: r.platform, userId: r.userId, orgIds: [] };
    if (!t.orgIds.includes(orgId)) t.orgIds.push(orgId);
    byUser.set(k, t);
  }
  return [...byUser.values()];
}

export interface GroupTarget {
  platform: string;
  chatId: string;
  orgId: number;
}

/** An org's `groupChats` column: its group chat id per platform. */
const GroupChats = z.record(z.string(), z.string());

/** The org's group chat per platform; an unreadable column counts as no group (the org gets no group message). */
export function groupChatsOf(raw: string | null): Record<string, string> {
  if (!raw) return {};
  const r = tryJsonColumn(GroupChats, raw, 'Org.groupChats');
  return r.ok ? r.value : {};
}

function chatsOf(org: { id: number; groupChats: string | null }, platforms: string[]): GroupTarget[] {
  return Object.entries(groupChatsOf(org.groupChats))
    .filter(([p, c]) => platforms.includes(p) && c.length > 0)
    .map(([platform, chatId]) => ({ platform, chatId, orgId: org.id }));
}

/** The federation's own groups (the ranking table goes there). */
export async function federationGroups(db: Db, federationId: number, platforms: string[]): Promise<GroupTarget[]> {
  const fed = await db.org.findUnique({ where: { id: federationId }, select: { id: true, groupChats: true } });
  return fed ? chatsOf(fed, platforms) : [];
}

/** Every configured group in the federation's tree (announcements go to all of them), each chat once. */
export async function groupsUnder(db: Db, federationId: number, platforms: string[]): Promise<GroupTarget[]> {
  const fed = await db.org.findUnique({ where: { id: federationId }, select: { path: true } });
  if (!fed) return [];
  const orgs = await db.org.findMany({
    where: {
      groupChats: { not: null },
      OR: [{ id: federationId }, ...(fed.path ? [{ path: { startsWith: fed.path } }] : [])],
    },
    select: { id: true, groupChats: true },
    orderBy: { id: 'asc' },
  });
  const seen = new Set<string>();
  return orgs
    .flatMap((o) => chatsOf(o, platforms))
    .filter((g) => {
      const k = `${g.platform}\u0000${g.chatId}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}

/** The federation (root of the org tree) an org belongs to. */
export async function federationOf(db: Db, orgId: number): Promise<number | null> {
  const org = await db.org.findUnique({ where: { id: orgId }, select: { id: true, path: true, kind: true } });
  if (!org) return null;
  if (org.kind === 'federation') return org.id;
  const root = Number(/^\/(\d+)\//.exec(org.path)?.[1]);
  return Number.isFinite(root) ? root : null;
}
