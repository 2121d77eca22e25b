/**
 * Who is talking: the member behind a chat identity and their roles. Roles decide what a person may see
 * (a worker their own data, a rep their unit, an officer their office).
 */
import type { Db } from '../db/client.js';
import { memo } from './memo.js';

export type Role = 'rep' | 'officer' | 'centre' | 'admin';

export interface Person {
  memberId: number;
  name: string;
  idLast4: string;
  unitId: number;
  unitName: string;
  officeId: number | null;
  rankUnitId: number | null;
  roles: { role: Role; orgId: number; orgName: string }[];
}

// read on every chat turn; a bound person's roles and unit change rarely (a new binding is never cached as absent)
const people = memo<Person | null>(10_000, (p) => p !== null);

export function personByChat(db: Db, platform: string, userId: string): Promise<Person | null> {
  return people.get(db, `${platform}:${userId}`, () => loadPerson(db, platform, userId));
}

/** After roles or a unit changed: the next turn reads the person again. */
export function forgetPeople(db: Db): void {
  people.forget(db);
}

async function loadPerson(db: Db, platform: string, userId: string): Promise<Person | null> {
  const ident = await db.chatIdentity.findUnique({
    where: { platform_userId: { platform, userId } },
    include: { member: { include: { unit: true, roles: { include: { org: true } } } } },
  });
  if (!ident) return null;
  const m = ident.member;
  return {
    memberId: m.id,
    name: m.name,
    idLast4: m.idLast4,
    unitId: m.unitId,
    unitName: m.unit.name,
    officeId: m.unit.officeId,
    rankUnitId: m.unit.rankUnitId,
    roles: m.roles.map((r) => ({ role: r.role as Role, orgId: r.orgId, orgName: r.org.name })),
  };
}

export function hasRole(p: Person, role: Role): boolean {
  return p.roles.some((r) => r.role === role);
}

export function rolesOf(p: Person, role: Role) {
  return p.roles.filter((r) => r.role === role);
}

/** Chat user ids of everyone holding `role` on `orgId`, on one platform. */
export async function chatUsersWithRole(db: Db, platform: string, role: Role, orgId: number): Promise<string[]> {
  const grants = await db.roleGrant.findMany({
    where: { role, orgId },
    select: { member: { select: { identities: { where: { platform }, select: { userId: true } } } } },
  });
  return grants.flatMap((g) => g.member.identities.map((i) => i.userId));
}
