/**
 * Who is talking: the member behind a chat identity and their roles. Roles decide what a person may see
 * (a worker their own data, a rep their unit, an officer their office).
 */
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { memo } from './memo.js';

const ROLES = ['rep', 'officer', 'centre', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** a grant's role as stored (a string column): one the app knows, or none */
const isRole = (r: string | null): r is Role => (ROLES as readonly (string | null)[]).includes(r);

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

/**
 * One statement for the identity, the member, their unit and their roles (issue #17: every message of a person not
 * seen in the last seconds reads this; Prisma's include ran five statements, each with its own planning and
 * preparing, the largest single cost of a question). Quoted identifiers are the models' names on SQLite and
 * PostgreSQL alike; the rows are checked, not cast. Roles in the order of the unique index (role, org), as before.
 */
const PersonRow = z.object({
  memberId: z.number().int(),
  name: z.string(),
  idLast4: z.string(),
  unitId: z.number().int(),
  unitName: z.string(),
  officeId: z.number().int().nullable(),
  rankUnitId: z.number().int().nullable(),
  role: z.string().nullable(),
  orgId: z.number().int().nullable(),
  orgName: z.string().nullable(),
});

async function loadPerson(db: Db, platform: string, userId: string): Promise<Person | null> {
  const raw = await db.$queryRaw<unknown[]>`
    SELECT m."id" AS "memberId", m."name", m."idLast4", m."unitId", u."name" AS "unitName", u."officeId",
           u."rankUnitId", r."role", r."orgId", o."name" AS "orgName"
    FROM "ChatIdentity" ci
    JOIN "Member" m ON m."id" = ci."memberId"
    JOIN "Org" u ON u."id" = m."unitId"
    LEFT JOIN "RoleGrant" r ON r."memberId" = m."id"
    LEFT JOIN "Org" o ON o."id" = r."orgId"
    WHERE ci."platform" = ${platform} AND ci."userId" = ${userId}
    ORDER BY r."role", r."orgId"`;
  const rows = z.array(PersonRow).parse(raw);
  const first = rows[0];
  if (!first) return null;
  return {
    memberId: first.memberId,
    name: first.name,
    idLast4: first.idLast4,
    unitId: first.unitId,
    unitName: first.unitName,
    officeId: first.officeId,
    rankUnitId: first.rankUnitId,
    roles: rows.flatMap((r) =>
      isRole(r.role) && r.orgId !== null && r.orgName !== null
        ? [{ role: r.role, orgId: r.orgId, orgName: r.orgName }]
        : [],
    ),
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
