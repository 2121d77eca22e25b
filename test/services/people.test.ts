/**
 * Who is talking (services/people.ts personByChat): one statement reads the identity, the member, their unit and
 * their roles (issue #17); the person read is the one Prisma's relations describe, roles in the order of the
 * grants' unique index (role, org), on both databases. A user not bound is null, and not remembered as absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { forgetPeople, personByChat } from '../../src/services/people.js';
import { demoDb } from '../jobs/support.js';
import { providers } from '../support/db.js';

describe.each(providers)('personByChat, %s', (provider) => {
  let t: Awaited<ReturnType<typeof demoDb>>;
  beforeAll(async () => {
    t = await demoDb(provider);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('reads the member, unit and roles of a chat identity; null for one not bound, seen once bound', async () => {
    const db = t.db;
    const member = must(
      await db.member.findFirst({ where: { identities: { none: {} }, roles: { none: {} } }, include: { unit: true } }),
      'a member without identity or roles',
    );
    expect(await personByChat(db, 'wecom', 'people-test')).toBeNull();
    await db.chatIdentity.create({ data: { platform: 'wecom', userId: 'people-test', memberId: member.id } });
    const plain = must(await personByChat(db, 'wecom', 'people-test'), 'seen once bound');
    expect(plain).toEqual({
      memberId: member.id,
      name: member.name,
      idLast4: member.idLast4,
      unitId: member.unitId,
      unitName: member.unit.name,
      officeId: member.unit.officeId,
      rankUnitId: member.unit.rankUnitId,
      roles: [],
    });

    // grants given in another order come back ordered by role, then org; each with its org's name
    const orgs = await db.org.findMany({ orderBy: { id: 'asc' }, take: 3 });
    const [a, b, c] = [must(orgs[0], 'an org'), must(orgs[1], 'an org'), must(orgs[2], 'an org')];
    for (const g of [
      { role: 'rep', orgId: c.id },
      { role: 'officer', orgId: b.id },
      { role: 'rep', orgId: a.id },
    ])
      await db.roleGrant.create({ data: { memberId: member.id, ...g } });
    forgetPeople(db);
    const p = must(await personByChat(db, 'wecom', 'people-test'), 'still bound');
    expect(p.roles).toEqual([
      { role: 'officer', orgId: b.id, orgName: b.name },
      { role: 'rep', orgId: a.id, orgName: a.name },
      { role: 'rep', orgId: c.id, orgName: c.name },
    ]);
    expect(await personByChat(db, 'dingtalk', 'people-test')).toBeNull();
  });
});
