/**
 * Issue #14: decisions on SQLite run on the connection directly and commit in groups (src/db/sqlite-direct.ts):
 * the works that arrive together share one transaction and one fsync, each in its own savepoint. A group must be
 * indistinguishable from the same decisions committed one by one: each sees the writes of those before it (the
 * member's cap), one failing undoes only itself, nobody hears of a write before its commit.
 */
import { describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import type { Db } from '../../src/db/client.js';
import { directCommits, directTransaction } from '../../src/db/sqlite-direct.js';
import { addDays, capGrant } from '../../src/rules/index.js';
import { type Approver, decide, uncappedOf } from '../../src/services/approvals.js';
import { countedByOthers, submitClaim } from '../../src/services/claims.js';
import { currentPeriod } from '../../src/services/periods.js';
import { freshDb } from '../support/db.js';
import { fileClaim, platforms, useApp } from './harness.js';

const actors = async (db: Db) =>
  (await db.auditLog.findMany({ where: { action: 'group.test' }, orderBy: { id: 'asc' } })).map((a) => a.actor);

describe('group commit on the SQLite connection', () => {
  it('works started together share one commit; one that fails is undone alone and gets its own error', async () => {
    const t = await freshDb('sqlite');
    try {
      const db = t.db;
      await db.$queryRaw`SELECT 1`;
      const before = directCommits(db);
      const write = (actor: string, fail = false) =>
        directTransaction(db, async (sql) => {
          sql.run(
            'INSERT INTO "AuditLog" ("at","actor","action","subjectType","subjectId") VALUES (?,?,?,?,?)',
            new Date(),
            actor,
            'group.test',
            'Test',
            '1',
          );
          if (fail) throw new Error(`${actor} refused`);
          // what the work sees: the rows of the works before it in the group, and its own
          return sql.all('SELECT "actor" FROM "AuditLog" WHERE "action" = ? ORDER BY "id"', 'group.test');
        });
      const [a, b, c] = await Promise.allSettled([write('w1'), write('w2', true), write('w3')]);
      expect(a).toEqual({ status: 'fulfilled', value: { value: [{ actor: 'w1' }] } });
      expect(b.status).toBe('rejected');
      expect(b.status === 'rejected' && String(b.reason)).toContain('w2 refused');
      // w2's row was rolled back to its savepoint before w3 ran
      expect(c).toEqual({ status: 'fulfilled', value: { value: [{ actor: 'w1' }, { actor: 'w3' }] } });
      expect(await actors(db)).toEqual(['w1', 'w3']);
      const after = directCommits(db);
      expect(after.commits - before.commits).toBe(1);
      expect(after.works - before.works).toBe(3);
      // and a later work is a group of its own
      await write('w4');
      expect(directCommits(db).commits - after.commits).toBe(1);
      expect(await actors(db)).toEqual(['w1', 'w3', 'w4']);
    } finally {
      await t.db.$disconnect();
      await t.drop();
    }
  });
});

describe('the database as a direct transaction sees it', () => {
  it("reads through Prisma's models see the transaction's writes; a model's write is refused, not left waiting", async () => {
    const t = await freshDb('sqlite');
    try {
      const db = t.db;
      await db.$queryRaw`SELECT 1`;
      const r = await directTransaction(db, async (sql, tx) => {
        sql.run(
          'INSERT INTO "AuditLog" ("at","actor","action","subjectType","subjectId") VALUES (?,?,?,?,?)',
          new Date(),
          'w1',
          'group.test',
          'Test',
          '1',
        );
        const seen = await tx.auditLog.count({ where: { action: 'group.test' } });
        const write = await tx.auditLog
          .create({ data: { actor: 'w2', action: 'group.test', subjectType: 'Test', subjectId: '2' } })
          .then(
            () => 'written',
            (e: unknown) => String(e),
          );
        return { seen, write };
      });
      expect(r?.value.seen).toBe(1);
      expect(r?.value.write).toContain('auditLog.create inside a direct SQLite transaction');
      expect(await actors(db)).toEqual(['w1']);
    } finally {
      await t.db.$disconnect();
      await t.drop();
    }
  });
});

describe.each(platforms)('decisions committed together on %s (SQLite)', (platform) => {
  const ctx = useApp(platform);

  async function setUp() {
    const db = ctx.t.rt.db;
    const period = await currentPeriod(db);
    const office = await db.org.findFirstOrThrow({ where: { name: '海口市总工会', kind: 'office' } });
    const officer = await db.chatIdentity.findFirstOrThrow({ where: { platform, userId: 'demo-officer-1' } });
    const worker = await db.chatIdentity.findFirstOrThrow({ where: { platform, userId: 'demo-worker-1' } });
    const who: Approver = { memberId: officer.memberId, offices: [office.id], centre: false };
    return { db, period, who, worker };
  }

  async function newClaim(offset: number) {
    const { db, period, worker } = await setUp();
    const day = addDays(period.policy.startsOn, offset);
    const r = await submitClaim(
      db,
      period,
      {
        memberId: worker.memberId,
        hospital: '海南省人民医院',
        admittedOn: day,
        dischargedOn: addDays(day, 5),
        totalFen: 20_000_000,
        basicInsuranceFen: 0,
        selfPaidFen: 20_000_000,
        majorIllness: false,
        photos: [],
      },
      'test',
      ctx.t.app.now(),
    );
    if (!r.ok) throw new Error(`claim refused: ${r.reason}`);
    return r.claim;
  }

  it('two approvals of one member in one group grant no more than the cap between them', async () => {
    const { db, period, who, worker } = await setUp();
    const [c1, c2] = [await newClaim(2), await newClaim(12)];
    const stored = await db.claim.findUniqueOrThrow({ where: { id: c1.id } });
    const room = capGrant(period.policy, uncappedOf(stored), await countedByOthers(db, period.id, worker.memberId, -1));
    // each alone would be granted more than half of what is left of the cap
    expect(room.grantedFen * 2).toBeGreaterThan(room.roomFen);
    const before = directCommits(db);
    const [r1, r2] = await Promise.all([
      decide(db, c1.id, who, 'approve', null, 'test:a', ctx.t.app.now()),
      decide(db, c2.id, who, 'approve', null, 'test:b', ctx.t.app.now()),
    ]);
    const after = directCommits(db);
    expect(after.commits - before.commits).toBe(1);
    expect(after.works - before.works).toBe(2);
    expect(r1.ok && r1.grant?.grantedFen).toBe(room.grantedFen);
    // the second saw the first's grant in the same transaction: what is left, or nothing and a refusal
    const left = room.roomFen - room.grantedFen;
    if (left > 0) expect(r2.ok && r2.grant?.grantedFen).toBe(left);
    else expect(!r2.ok && r2.reason).toBe('cap_reached');
    const held = await db.claim.aggregate({
      where: { memberId: worker.memberId, periodId: period.id, status: { in: ['approved_l1', 'approved', 'paid'] } },
      _sum: { subsidyFen: true },
    });
    expect(held._sum.subsidyFen).toBe(period.policy.subsidy.capFen);
    // each decision wrote its own rows: the Approval, the audit line, its Delivery rows
    expect(await db.approval.count({ where: { claimId: c1.id } })).toBe(1);
    expect(await db.auditLog.count({ where: { action: 'claim.approve', subjectId: String(c1.id) } })).toBe(1);
    expect(await db.approval.count({ where: { claimId: c2.id } })).toBe(left > 0 ? 1 : 0);
  });

  it('the same claim decided twice in one group: one decision, the other learns who decided', async () => {
    const { db, who } = await setUp();
    // the member's cap is spent by the test above: a refusal decides the claim as well
    const c = await newClaim(22);
    const before = directCommits(db);
    const [r1, r2] = await Promise.all([
      decide(db, c.id, who, 'reject', '材料不全', 'test:a', ctx.t.app.now()),
      decide(db, c.id, who, 'reject', '重复提交', 'test:b', ctx.t.app.now()),
    ]);
    expect(directCommits(db).works - before.works).toBe(2);
    expect([r1.ok, r2.ok]).toEqual([true, false]);
    expect(!r2.ok && r2.reason).toBe('already_decided');
    const approvals = await db.approval.findMany({ where: { claimId: c.id } });
    expect(approvals.map((a) => a.comment)).toEqual(['材料不全']);
    expect(must(await db.claim.findUnique({ where: { id: c.id } }), 'the claim').status).toBe('rejected');
  });
});

describe.each(platforms)('two officers at once through card clicks on %s (SQLite)', (platform) => {
  const ctx = useApp(platform);

  it('clicking two claims of one member at once grants no more than the cap between them', async () => {
    const db = ctx.t.rt.db;
    const period = await currentPeriod(db);
    const office = await db.org.findFirstOrThrow({ where: { name: '海口市总工会', kind: 'office' } });
    const unit = await db.org.findFirstOrThrow({ where: { code: 'HN-HK-DEMO' } });
    const m = await db.member.create({
      data: { name: '郑晓东', idHash: 'group-officer-2', idLast4: '0010', status: 'in_service', unitId: unit.id },
    });
    await db.roleGrant.create({ data: { memberId: m.id, role: 'officer', orgId: office.id } });
    await db.chatIdentity.create({ data: { platform, userId: 'officer-2', memberId: m.id } });
    const worker = await db.chatIdentity.findFirstOrThrow({ where: { platform, userId: 'demo-worker-1' } });
    const ids: number[] = [];
    for (const offset of [2, 12]) {
      const start = addDays(period.policy.startsOn, offset);
      const c = await fileClaim(ctx.d, 'demo-worker-1', {
        admitted: start,
        discharged: addDays(start, 5),
        total: '20万',
        basic: '0',
        selfPaid: '20万',
      });
      ids.push(c.id);
    }
    const [first, second] = [must(ids[0], 'two claims'), must(ids[1], 'two claims')];
    const cardOf = (userId: string, claimId: number) => {
      const msg = ctx.d
        .inbox(userId)
        .filter((x) => x.kind === 'card' && x.card?.title.includes(`#${claimId}`))
        .at(-1);
      return must(msg?.card, `${userId} has a card for claim ${claimId}`);
    };
    await ctx.t.app.jobs.idle();
    await Promise.all([
      ctx.d.click('demo-officer-1', cardOf('demo-officer-1', first).id, `approve:${first}`),
      ctx.d.click('officer-2', cardOf('officer-2', second).id, `approve:${second}`),
    ]);
    const held = await db.claim.aggregate({
      where: { memberId: worker.memberId, periodId: period.id, status: { in: ['approved_l1', 'approved', 'paid'] } },
      _sum: { subsidyFen: true },
    });
    expect(held._sum.subsidyFen).toBe(period.policy.subsidy.capFen);
    const decided = await db.claim.findMany({ where: { id: { in: [first, second] } }, orderBy: { id: 'asc' } });
    expect(decided.map((c) => c.status).sort()).toEqual(['approved_l1', 'submitted']);
  });
});
