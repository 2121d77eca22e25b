/**
 * The roster import's COPY writer on PostgreSQL (issue #17), through `huzhu roster import`, against the Prisma
 * statements writer it replaced there (importRoster with pgWriter 'statements', still SQLite's): the same files on
 * two databases seeded alike leave the same rows, summaries, audit lines and errors; an error in the last rows rolls
 * every row back; a re-import changes nothing; COPY's text escaping keeps any value; a connection cut mid-import
 * leaves nothing.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformColumns } from '../../../src/channels/platforms.js';
import type { Db } from '../../../src/db/client.js';
import { copyIn, copyLine, withPgSession } from '../../../src/db/pg-copy.js';
import { periodByNumber } from '../../../src/services/periods.js';
import { loadPolicyFile } from '../../../src/services/policies.js';
import { COPY_SESSION_NAME } from '../../../src/services/roster/copy-import.js';
import { importRoster } from '../../../src/services/roster/import.js';
import { cli } from '../../support/cli.js';
import { freshDb, providers, type TestDb } from '../../support/db.js';
import { type Cells, HEADER, person, writeCsv } from '../../support/roster-files.js';
import { seedYunnan12 } from '../../support/yunnan12.js';

const KEY = 'test-id-hash-key-0123456789';
/** more rows than the statements writer's chunk on PostgreSQL (5 000) */
const ROWS = 6_000;
const HEADER_CI = [...HEADER, '大病补充保险'];

/** a person of the comparison's files: phones, accounts, 未参, critical illness and unusual names mixed */
function row(i: number, fee: string | number, change = 0): Cells {
  const name = i % 11 === 0 ? (i % 2 ? '欧阳·娜娜' : '王𠮷') : undefined;
  const cells = person(i, fee, {
    ...(name ? { name: change && i % 3 === 0 ? `${name}改` : name } : {}),
    ...(change && i % 10 === 1 ? { name: '改名' } : {}),
    phone: i % 3 === 0 ? `139${String(i + change * (i % 10 === 3 ? 1 : 0)).padStart(8, '0')}` : '',
    wecom: i % 4 === 0 ? (change && i % 8 === 0 ? `wx-new-${i}` : `wx-${i}`) : '',
    dingtalk: i % 6 === 0 || (change && i % 9 === 0) ? `dd-${i}` : '',
  });
  const critical = (i + change) % 5 === 0 ? '是' : (i + change) % 5 === 1 ? '否' : '';
  return [...cells, critical];
}

/** everything Prisma shows of an import, ids replaced by what they stand for */
async function snapshot(db: Db) {
  const members = await db.member.findMany({ orderBy: { id: 'asc' } });
  const hashOf = new Map(members.map((m) => [m.id, m.idHash]));
  return {
    members: members.map(({ id: _, createdAt: _c, updatedAt: _u, ...m }) => m),
    enrolments: (await db.enrolment.findMany({ orderBy: { id: 'asc' } })).map(
      ({ id: _, memberId, createdAt: _c, updatedAt: _u, paidAt, ...e }) => ({
        ...e,
        member: hashOf.get(memberId),
        paidAt: paidAt !== null,
      }),
    ),
    identities: (await db.chatIdentity.findMany({ orderBy: { id: 'asc' } })).map(
      ({ id: _, memberId, createdAt: _c, ...i }) => ({ ...i, member: hashOf.get(memberId) }),
    ),
    audit: (await db.auditLog.findMany({ orderBy: { id: 'asc' } })).map(({ id: _, at: _a, ...a }) => a),
  };
}

/**
 * The timestamps differ between the two runs, so they are left out of the snapshots; those COPY wrote must still
 * read back through Prisma as the import's own time (a time zone shift would put them hours away).
 */
async function stampsWithin(db: Db, from: Date, to: Date) {
  const during = { gte: from, lte: to };
  expect(await db.member.count({ where: { updatedAt: during } })).toBeGreaterThan(0);
  expect(await db.enrolment.count({ where: { updatedAt: during } })).toBeGreaterThan(0);
  expect(await db.member.count({ where: { updatedAt: { gt: to } } })).toBe(0);
  expect(await db.enrolment.count({ where: { updatedAt: { gt: to } } })).toBe(0);
  expect(await db.enrolment.count({ where: { paidAt: { gt: to } } })).toBe(0);
}

async function addPeriod(t: TestDb, number: number, fees?: { newFen: number; renewalFen: number }) {
  const policy = loadPolicyFile('yunnan-12');
  const prog = await t.db.programme.findFirstOrThrow();
  await t.db.period.create({
    data: {
      programmeId: prog.id,
      number,
      name: `第${number}期`,
      startsOn: policy.startsOn,
      endsOn: policy.endsOn,
      policy: JSON.stringify(fees ? { ...policy, fees: { ...policy.fees, ...fees } } : policy),
    },
  });
}

const pgOnly = providers.includes('postgresql') ? describe : describe.skip;

// each test imports thousands of rows, twice (both writers), on a machine shared with other test runs
pgOnly('the roster import by COPY on PostgreSQL', { timeout: 180_000 }, () => {
  let copy: TestDb;
  let stmts: TestDb;
  beforeAll(async () => {
    copy = await freshDb('postgresql');
    stmts = await freshDb('postgresql');
    for (const t of [copy, stmts]) {
      await seedYunnan12(t);
      await addPeriod(t, 13);
      await addPeriod(t, 14, { newFen: 10_000, renewalFen: 10_000 });
    }
  });
  afterAll(async () => {
    await copy?.drop();
    await stmts?.drop();
  });

  /** the same file into both databases: COPY through the CLI, the statements writer through the service */
  async function both(rows: Cells[], period: number, unit: string) {
    const file = writeCsv(rows, HEADER_CI);
    const from = new Date();
    const viaCopy = await cli(copy.url, 'roster', 'import', file, '--period', String(period), '--unit', unit);
    const viaStatements = await importRoster({
      db: stmts.db,
      file,
      period: await periodByNumber(stmts.db, period),
      unitCode: unit,
      hashKey: KEY,
      actor: 'cli',
      platforms: platformColumns,
      pgWriter: 'statements',
    });
    return { viaCopy, viaStatements, from, to: new Date() };
  }

  it('a new roster, then a changed one: the same rows, counts and audit as the Prisma writer', async () => {
    const first = await both(
      Array.from({ length: ROWS }, (_, i) => row(i, i % 7 === 0 ? '未参' : 100)),
      12,
      'KMUST-LIB',
    );
    expect(first.viaCopy.err).toBe('');
    expect(first.viaStatements.ok).toBe(true);
    if (!first.viaStatements.ok) return;
    const s = first.viaStatements.summary;
    expect(first.viaCopy.out).toContain(
      `导入完成：${ROWS} 行；新增会员 ${s.membersCreated}，更新 ${s.membersUpdated}；新增参互记录 ${s.enrolmentsCreated}，更新 ${s.enrolmentsUpdated}；参加 ${s.participants}，未参 ${s.notParticipating}；绑定账号 ${s.identitiesBound}`,
    );
    expect(s.identitiesBound).toBeGreaterThan(0);
    expect(await snapshot(copy.db)).toEqual(await snapshot(stmts.db));
    await stampsWithin(copy.db, first.from, first.to);

    // names, phones, fees, critical illness changed; new people; a second WeCom account for a person who has one
    // (not bound: one per platform and person); new DingTalk accounts
    const second = await both(
      Array.from({ length: ROWS + 1_000 }, (_, i) => row(i, i % 7 === 1 ? '未参' : 100, 1)),
      12,
      'KMUST-LIB',
    );
    expect(second.viaStatements.ok).toBe(true);
    if (!second.viaStatements.ok) return;
    const c = second.viaStatements.summary;
    expect(c.membersUpdated).toBeGreaterThan(0);
    expect(c.enrolmentsUpdated).toBeGreaterThan(0);
    expect(c.membersCreated).toBe(1_000);
    expect(second.viaCopy.out).toContain(
      `新增会员 ${c.membersCreated}，更新 ${c.membersUpdated}；新增参互记录 ${c.enrolmentsCreated}，更新 ${c.enrolmentsUpdated}；参加 ${c.participants}，未参 ${c.notParticipating}；绑定账号 ${c.identitiesBound}`,
    );
    const after = await snapshot(copy.db);
    expect(after).toEqual(await snapshot(stmts.db));
    // a second account on a platform is not bound over a person's first (new people's are)
    const secondAccount = (i: { userId: string }) => i.userId.startsWith('wx-new-');
    expect(after.identities.filter((i) => secondAccount(i) && Number(i.userId.slice(7)) < ROWS)).toEqual([]);
    expect(after.identities.filter(secondAccount).length).toBeGreaterThan(0);
    await stampsWithin(copy.db, second.from, second.to);
  });

  it('a roster with errors of every kind: the same errors in the same order, nothing written', async () => {
    const before = await snapshot(copy.db);
    const bad = row(90_001, 100);
    bad[1] = `${String(bad[1]).slice(0, 17)}${String(bad[1]).endsWith('0') ? '1' : '0'}`;
    const rows: Cells[] = [
      ...Array.from({ length: 5_200 }, (_, i) => row(20_000 + i, 100)),
      bad, // ID checksum
      row(20_001, 100), // a duplicate of line 3
      row(5, 80), // on 图书馆分工会's roster (took part in period 12: the renewal fee is right)
      [...person(29_000, 100, { wecom: 'wx-8' }), ''], // wx-8 is bound to person 8
      row(2, 100), // another unit's; took part in period 12 but pays the new fee
      row(8, 80), // another unit's; 未参 in period 12 but pays the renewal fee; wx-8 again
    ];
    const r = await both(rows, 13, 'KMUST-ART');
    expect(r.viaCopy.code).toBe(1);
    expect(r.viaStatements.ok).toBe(false);
    if (r.viaStatements.ok) return;
    expect(r.viaCopy.err).toMatch(/此人已在“图书馆分工会”的名册中/);
    expect(r.viaCopy.err).toMatch(/按续互标准交费，但上一期没有此人的参加记录/);
    expect(r.viaCopy.err).toMatch(/此人上一期已参加，应按续互标准交 80 元/);
    expect(r.viaCopy.err).toMatch(/账号 wx-8 已绑定到其他人员/);
    const lines = r.viaStatements.errors.map((e) => (e.line ? `  第 ${e.line} 行：${e.message}` : `  ${e.message}`));
    expect(r.viaCopy.err.split('\n').slice(1)).toEqual(lines);
    expect(r.viaCopy.err).toContain(`名册有 ${r.viaStatements.total} 处错误，未写入任何数据`);
    expect(await snapshot(copy.db)).toEqual(before);
    expect(await snapshot(stmts.db)).toEqual(before);
  });

  it('the next period: renewals and new entrants, then one fee for both (kind from last period)', async () => {
    const p12 = await copy.db.enrolment.findMany({
      where: { period: { number: 12 }, kind: { not: 'none' } },
      select: { member: { select: { idHash: true } } },
    });
    expect(p12.length).toBeGreaterThan(0);
    // period 12's second file: i % 7 === 1 were 未参, everyone else took part
    const paysNew = (i: number) => i >= ROWS + 1_000 || i % 7 === 1;
    const thirteen = await both(
      Array.from({ length: ROWS + 1_500 }, (_, i) => row(i, paysNew(i) ? 100 : 80, 1)),
      13,
      'KMUST-LIB',
    );
    expect(thirteen.viaCopy.err).toBe('');
    expect(thirteen.viaStatements.ok).toBe(true);
    expect(await snapshot(copy.db)).toEqual(await snapshot(stmts.db));
    expect(
      await copy.db.enrolment.count({ where: { period: { number: 13 }, kind: 'renewal', feeFen: 8_000 } }),
    ).toBeGreaterThan(0);

    const fourteen = await both(
      Array.from({ length: ROWS + 2_000 }, (_, i) => row(i, i % 13 === 0 ? '未参' : 100, 1)),
      14,
      'KMUST-LIB',
    );
    expect(fourteen.viaCopy.err).toBe('');
    expect(fourteen.viaStatements.ok).toBe(true);
    const kinds = await copy.db.enrolment.groupBy({
      by: ['kind'],
      where: { period: { number: 14 } },
      _count: { _all: true },
      orderBy: { kind: 'asc' },
    });
    expect(kinds.map((k) => k.kind)).toEqual(['new', 'none', 'renewal']);
    expect(await snapshot(copy.db)).toEqual(await snapshot(stmts.db));
  });

  it('re-importing the same file by COPY changes nothing, not even a timestamp', async () => {
    const file = writeCsv(
      Array.from({ length: ROWS + 2_000 }, (_, i) => row(i, i % 13 === 0 ? '未参' : 100, 1)),
      HEADER_CI,
    );
    const all = async () => ({
      members: await copy.db.member.findMany({ orderBy: { id: 'asc' } }),
      enrolments: await copy.db.enrolment.findMany({ orderBy: { id: 'asc' } }),
      identities: await copy.db.chatIdentity.findMany({ orderBy: { id: 'asc' } }),
      audit: await copy.db.auditLog.count(),
    });
    const before = await all();
    const r = await cli(copy.url, 'roster', 'import', file, '--period', '14', '--unit', 'KMUST-LIB');
    expect(r.err).toBe('');
    expect(r.out).toMatch(/新增会员 0，更新 0；新增参互记录 0，更新 0；.*绑定账号 0/);
    expect(await all()).toEqual(before);
  });

  it('an error in the last row, after the rows before it were copied: nothing is written', async () => {
    const before = await snapshot(copy.db);
    // more rows than the statements writer's chunk: all of them copied before the last one is found wrong
    const n = ROWS + 2_000;
    const fresh = Array.from({ length: n }, (_, i) => row(40_000 + i, 100));
    // the file's own check (a fee) and the database's (a person on another unit's roster) in the last row
    for (const last of [row(40_000 + n, 120), row(3, 100)]) {
      const r = await cli(copy.url, 'roster', 'import', writeCsv([...fresh, last], HEADER_CI), '--unit', 'KMUST-ART');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`名册有 1 处错误，未写入任何数据：\\n  第 ${n + 2} 行：`));
      expect(await snapshot(copy.db)).toEqual(before);
    }
  });

  it("COPY's text format keeps tabs, newlines, backslashes, quotes, \\N and any Unicode as they were", async () => {
    const values = [
      'a\tb',
      'line1\nline2',
      'cr\r\nlf',
      'back\\slash',
      '\\N',
      '\\',
      '"quoted", \'single\'',
      '王𠮷 欧阳·娜娜 😀',
      '',
      ' spaced ',
      null,
    ];
    const back = await withPgSession(copy.db, 'copy-escape-test', async (c) => {
      await c.query('CREATE TEMP TABLE esc (n int, v text, b boolean, i int)');
      async function* lines() {
        yield values.map((v, n) => copyLine([n, v, n % 2 === 0, n % 3 ? null : 100 - n])).join('');
      }
      expect(await copyIn(c, 'COPY esc FROM STDIN', lines())).toBe(values.length);
      return (
        await c.query<{ n: number; v: string | null; b: boolean; i: number | null }>('SELECT * FROM esc ORDER BY n')
      ).rows;
    });
    expect(back).toEqual(values.map((v, n) => ({ n, v, b: n % 2 === 0, i: n % 3 ? null : 100 - n })));

    // and through the import: names as written (an extension-B character, the middle dot) read back the same
    const file = writeCsv(
      [
        [...person(60_001, 100, { name: '欧阳·娜娜' }), ''],
        [...person(60_002, 100, { name: '王𠮷' }), ''],
      ],
      HEADER_CI,
    );
    const r = await cli(copy.url, 'roster', 'import', file, '--period', '12', '--unit', 'KMUST-ART');
    expect(r.err).toBe('');
    const names = await copy.db.member.findMany({
      where: { unit: { code: 'KMUST-ART' } },
      orderBy: { id: 'asc' },
      select: { name: true },
    });
    expect(names.map((n) => n.name)).toEqual(['欧阳·娜娜', '王𠮷']);
  });

  it('a connection cut in the middle of the import leaves nothing, and no session behind', async () => {
    const before = await snapshot(copy.db);
    const file = writeCsv(
      Array.from({ length: 20_000 }, (_, i) => row(70_000 + i, 100)),
      HEADER_CI,
    );
    // a lock that lets the import read and COPY but not write a member: it cannot commit before it is cut
    const holder = new pg.Client({ connectionString: copy.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE "Member" IN SHARE MODE');
    const watcher = new pg.Client({ connectionString: copy.url });
    await watcher.connect();
    try {
      const running = cli(copy.url, 'roster', 'import', file, '--period', '12', '--unit', 'KMUST-ART').then(
        (r) => ({ ok: true as const, r }),
        (e: Error) => ({ ok: false as const, message: e.message }),
      );
      // the import's own connection, while it copies (or, past the COPY, waits on the lock)
      let phase = '';
      await expect
        .poll(
          async () => {
            const s = await watcher.query<{ pid: number; copied: string | null; wait: string | null }>(
              `SELECT a.pid, p.tuples_processed::text AS copied, a.wait_event_type AS wait
                 FROM pg_stat_activity a LEFT JOIN pg_stat_progress_copy p ON p.pid = a.pid
                WHERE a.application_name = $1`,
              [COPY_SESSION_NAME],
            );
            const a = s.rows[0];
            if (!a || !(Number(a.copied) > 0 || a.wait === 'Lock')) return false;
            phase = a.copied ? 'copy' : 'lock';
            await watcher.query('SELECT pg_terminate_backend($1)', [a.pid]);
            return true;
          },
          { timeout: 60_000, interval: 5 },
        )
        .toBe(true);
      expect(['copy', 'lock']).toContain(phase);
      const r = await running;
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/terminat|connection|EPIPE|ECONNRESET/i);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect(await snapshot(copy.db)).toEqual(before);
    const left = async () =>
      (await watcher.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [COPY_SESSION_NAME])).rowCount;
    await expect.poll(left, { timeout: 10_000 }).toBe(0);
    await watcher.end();
  });
});
