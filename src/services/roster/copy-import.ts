/**
 * The roster import's PostgreSQL writer (issue #17: a million rows in ≤ 120 s). On one connection of its own and in
 * ONE transaction: every row that passes its own checks is streamed by COPY into a temporary table as the file is
 * read; then the database's checks (a person on another unit's roster, a fee that does not match last period, an
 * account bound to someone else) run as set queries over it, and only when no row anywhere has an error are the
 * members, enrolments and chat accounts merged in with a few INSERT … SELECT / UPDATE … FROM statements and the
 * transaction committed. Any error, a refused file or a lost connection: ROLLBACK, and the temporary table goes
 * with the session. What it writes is what the chunked Prisma writer (import.ts, SQLite) writes for the same file,
 * row for row (test/services/roster/pg-copy.test.ts compares the two on one database).
 *
 * One COPY and one merge, not a chunk at a time: merging 10 000-row chunks while the next was read was slower for a
 * million rows on two busy cores (221 s at load ~11, against 172 s for this at load 13 before the row checks were
 * made cheaper; 57 s at load ~7 after), each chunk's statements probing ever larger indexes row by row, where one
 * statement over all the rows builds its hash joins once.
 */
import { copyIn, copyLine, type PgSession, withPgSession } from '../../db/pg-copy.js';
import { MAX_ERRORS_KEPT } from './errors.js';
import { rawRows, rowChecker, type State } from './import-state.js';
import type { RosterRow } from './validate.js';

/** rows sent to COPY in one piece: ~30 KB of text, few enough writes, small enough to stay in V8's young space */
const LINES_PER_PIECE = 256;

/** the import's name in pg_stat_activity (and what a test looks for to cut its connection) */
export const COPY_SESSION_NAME = 'huzhu roster import';

/** thrown inside the transaction to roll it back when a row error was found; never leaves this module */
class RolledBack extends Error {}

const stageColumns = (accounts: number) => [
  'line int NOT NULL',
  'name text NOT NULL',
  '"idHash" text NOT NULL',
  '"idLast4" text NOT NULL',
  '"birthDate" text',
  'phone text',
  'status text NOT NULL',
  '"feeFen" int',
  'critical boolean',
  ...Array.from({ length: accounts }, (_, i) => `acc${i} text`),
];

/** resolves true when written (the summary filled in), false when a row error rolled it all back */
export async function importByCopy(s: State): Promise<boolean> {
  return withPgSession(s.o.db, COPY_SESSION_NAME, async (c) => {
    // the staged rows stay in the session's memory, not its temporary files, for a province's million rows
    // (temp_buffers can only be set before the session's first temporary table); the merge sorts them by row
    await c.query(`SET temp_buffers = '256MB'`);
    await c.query('BEGIN');
    try {
      await c.query(`SET LOCAL work_mem = '128MB'`);
      const accounts = await stage(c, s);
      s.o.onPhase?.('read');
      if (s.summary.rows === 0 && s.errors.total === 0) s.errors.add(0, '名册中没有人员行');
      // the database's checks run even when the file's own found errors: the office gets every error in one answer
      await databaseChecks(c, s, accounts);
      if (s.errors.total) throw new RolledBack();
      await merge(c, s, accounts);
      await c.query('COMMIT');
      s.o.onPhase?.('written');
      return true;
    } catch (e) {
      // a lost connection fails this too; the server rolls back a transaction whose session ended
      await c.query('ROLLBACK').catch(() => {});
      if (e instanceof RolledBack) return false;
      throw e;
    }
  });
}

/**
 * COPY of every checked row into roster_stage (and its chat accounts into roster_account), as the file is read;
 * true when any row has an account
 */
async function stage(c: PgSession, s: State): Promise<boolean> {
  const { platforms } = s.o;
  await c.query(`CREATE TEMP TABLE roster_stage (${stageColumns(platforms.length).join(', ')}) ON COMMIT DROP`);
  const accountIndex = new Map(platforms.map((p, i) => [p.name, i]));
  let accounts = 0;
  const line = (r: RosterRow): string => {
    const acc: (string | null)[] = platforms.map(() => null);
    for (const a of r.accounts) {
      const i = accountIndex.get(a.platform);
      if (i !== undefined) acc[i] = a.userId;
    }
    accounts += r.accounts.length;
    if (r.feeFen === null) s.summary.notParticipating++;
    else s.summary.participants++;
    s.summary.rows++;
    return copyLine([
      r.line,
      r.name,
      r.idHash,
      r.idLast4,
      r.birthDate,
      r.phone,
      r.status,
      r.feeFen,
      r.criticalIllness,
      ...acc,
    ]);
  };
  async function* pieces(): AsyncGenerator<string> {
    let piece = '';
    let n = 0;
    const check = rowChecker(s);
    for await (const raw of rawRows(s.o)) {
      const r = check(raw);
      if (!r) continue;
      piece += line(r);
      if (++n === LINES_PER_PIECE) {
        yield piece;
        piece = '';
        n = 0;
      }
    }
    if (piece) yield piece;
  }
  await copyIn(c, 'COPY roster_stage FROM STDIN', pieces());
  // a temporary table is never analysed by autovacuum: without its size the planner guesses nested loops
  await c.query('ANALYZE roster_stage');
  if (!accounts) return false;
  await c.query(
    'CREATE TEMP TABLE roster_account (line int, "idHash" text, platform text, "userId" text, ord int) ON COMMIT DROP',
  );
  for (const [i, p] of platforms.entries())
    await c.query(
      `INSERT INTO roster_account SELECT line, "idHash", $1::text, acc${i}, ${i} FROM roster_stage WHERE acc${i} IS NOT NULL`,
      [p.name],
    );
  await c.query('ANALYZE roster_account');
  return true;
}

/**
 * The checks the chunked writer makes against the database, over the whole file at once: for each kind of error,
 * the first MAX_ERRORS_KEPT rows in row order and how many in all. Each kind is added in the order the chunked
 * writer finds them (another unit, then fees, then accounts), so a row's errors read the same.
 */
async function databaseChecks(c: PgSession, s: State, accounts: boolean): Promise<void> {
  const { o, unit, errors } = s;
  const take = async <R extends { line: number; total: string }>(sql: string, params: unknown[]) => {
    const rows = (await c.query<R>(`${sql} LIMIT ${MAX_ERRORS_KEPT}`, params)).rows;
    // the rows past the first MAX_ERRORS_KEPT count in the total without a message of their own
    const total = Number(rows[0]?.total ?? 0);
    return { rows, more: total - rows.length };
  };

  const other = await take<{ line: number; total: string; unit: string }>(
    `SELECT s.line, o.name AS unit, count(*) OVER () AS total
       FROM roster_stage s JOIN "Member" m ON m."idHash" = s."idHash" JOIN "Org" o ON o.id = m."unitId"
      WHERE m."unitId" <> $1 ORDER BY s.line`,
    [unit.id],
  );
  for (const r of other.rows) errors.add(r.line, `此人已在“${r.unit}”的名册中：同一人只能在一个单位参加`);
  errors.countUnlisted(other.more);

  const { newFen, renewalFen } = o.period.policy.fees;
  if (s.prev?.hasData && newFen !== renewalFen) {
    const fees = await take<{ line: number; total: string; renewal: boolean }>(
      `SELECT s.line, s."feeFen" = $2 AS renewal, count(*) OVER () AS total
         FROM roster_stage s
         LEFT JOIN "Member" m ON m."idHash" = s."idHash"
         LEFT JOIN "Enrolment" p ON p."periodId" = $1 AND p."memberId" = m.id AND p.kind <> 'none'
        WHERE (s."feeFen" = $2 AND p.id IS NULL) OR (s."feeFen" = $3 AND p.id IS NOT NULL)
        ORDER BY s.line`,
      [s.prev.id, renewalFen, newFen],
    );
    for (const r of fees.rows)
      errors.add(
        r.line,
        r.renewal
          ? `按续互标准交费，但上一期没有此人的参加记录：新参应交 ${newFen / 100} 元`
          : `此人上一期已参加，应按续互标准交 ${renewalFen / 100} 元`,
      );
    errors.countUnlisted(fees.more);
  }

  if (!accounts) return;
  const bound = await take<{ line: number; total: string; userId: string }>(
    `SELECT a.line, a."userId", count(*) OVER () AS total
       FROM roster_account a
       JOIN "ChatIdentity" i ON i.platform = a.platform AND i."userId" = a."userId"
       LEFT JOIN "Member" m ON m."idHash" = a."idHash"
      WHERE m.id IS NULL OR i."memberId" <> m.id
      ORDER BY a.line, a.ord`,
    [],
  );
  for (const r of bound.rows) errors.add(r.line, `账号 ${r.userId} 已绑定到其他人员`);
  errors.countUnlisted(bound.more);
}

/** the writes, once no row has an error: members, enrolments, chat accounts, the audit line */
async function merge(c: PgSession, s: State, accounts: boolean): Promise<void> {
  const { o, unit, summary: m, stamp } = s;
  const { policy } = o.period;
  const at = stamp.toISOString();
  const count = (r: { rowCount: number | null }) => r.rowCount ?? 0;

  // a member already known (of this unit: another unit's is an error) whose details changed
  m.membersUpdated = count(
    await c.query(
      `UPDATE "Member" m
          SET name = s.name, status = s.status, phone = COALESCE(s.phone, m.phone), "birthDate" = s."birthDate",
              "hasCriticalIllnessInsurance" = COALESCE(s.critical, m."hasCriticalIllnessInsurance"),
              "updatedAt" = $1::timestamp(3)
         FROM roster_stage s
        WHERE m."idHash" = s."idHash"
          AND (m.name <> s.name OR m.status <> s.status OR (s.phone IS NOT NULL AND m.phone IS DISTINCT FROM s.phone)
               OR m."birthDate" IS DISTINCT FROM s."birthDate"
               OR m."hasCriticalIllnessInsurance" <> COALESCE(s.critical, m."hasCriticalIllnessInsurance"))`,
      [at],
    ),
  );
  // new people, numbered in row order as the chunked writer numbers them
  m.membersCreated = count(
    await c.query(
      `INSERT INTO "Member" (name, "idHash", "idLast4", "birthDate", phone, status, "hasBasicInsurance",
                             "hasCriticalIllnessInsurance", "unitId", "createdAt", "updatedAt")
       SELECT s.name, s."idHash", s."idLast4", s."birthDate", s.phone, s.status, true,
              COALESCE(s.critical, $1::boolean), $2::int, $3::timestamp(3), $3::timestamp(3)
         FROM roster_stage s
        WHERE NOT EXISTS (SELECT 1 FROM "Member" x WHERE x."idHash" = s."idHash")
        ORDER BY s.line`,
      [policy.eligibility.requireCriticalIllnessInsurance, unit.id, at],
    ),
  );

  // the kind of each row's enrolment: 未参 is none; with one fee for both, whether the person took part last period
  // (a member new to the database never did); otherwise the fee paid says it
  const { newFen, renewalFen } = policy.fees;
  const oneFee = newFen === renewalFen;
  const params: unknown[] = [o.period.id, at, unit.id, unit.rankUnitId, oneFee ? (s.prev?.id ?? -1) : renewalFen];
  const kind = oneFee
    ? `CASE WHEN s."feeFen" IS NULL THEN 'none' WHEN p.id IS NOT NULL THEN 'renewal' ELSE 'new' END`
    : `CASE WHEN s."feeFen" IS NULL THEN 'none' WHEN s."feeFen" = $5::int THEN 'renewal' ELSE 'new' END`;
  const lastPeriod = oneFee
    ? `LEFT JOIN "Enrolment" p ON p."periodId" = $5::int AND p."memberId" = m.id AND p.kind <> 'none'`
    : '';
  const enrolments = await c.query<{ updated: string; created: string }>(
    `WITH src AS (
       SELECT s.line, m.id AS "memberId", ${kind} AS kind, COALESCE(s."feeFen", 0) AS "feeFen"
         FROM roster_stage s
         JOIN "Member" m ON m."idHash" = s."idHash"
         ${lastPeriod}
     ), updated AS (
       UPDATE "Enrolment" e
          SET kind = src.kind, "feeFen" = src."feeFen", paid = src.kind <> 'none',
              "paidAt" = CASE WHEN src.kind <> 'none' THEN $2::timestamp(3) END, "updatedAt" = $2::timestamp(3)
         FROM src
        WHERE e."periodId" = $1::int AND e."memberId" = src."memberId" AND (e.kind <> src.kind OR e."feeFen" <> src."feeFen")
        RETURNING 1
     ), created AS (
       INSERT INTO "Enrolment" ("periodId", "memberId", "unitId", "rankUnitId", kind, "feeFen", source, paid, "paidAt",
                                "createdAt", "updatedAt")
       SELECT $1::int, src."memberId", $3::int, $4::int, src.kind, src."feeFen", 'roster', src.kind <> 'none',
              CASE WHEN src.kind <> 'none' THEN $2::timestamp(3) END, $2::timestamp(3), $2::timestamp(3)
         FROM src
        WHERE NOT EXISTS (SELECT 1 FROM "Enrolment" e WHERE e."periodId" = $1::int AND e."memberId" = src."memberId")
        ORDER BY src.line
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM updated) AS updated, (SELECT count(*) FROM created) AS created`,
    params,
  );
  m.enrolmentsUpdated = Number(enrolments.rows[0]?.updated ?? 0);
  m.enrolmentsCreated = Number(enrolments.rows[0]?.created ?? 0);

  // an account not known yet is bound; one per platform and member: a new account replaces nothing silently
  if (accounts)
    m.identitiesBound = count(
      await c.query(
        `INSERT INTO "ChatIdentity" (platform, "userId", "memberId", "boundBy", "createdAt")
         SELECT a.platform, a."userId", m.id, 'roster', $1::timestamp(3)
           FROM roster_account a JOIN "Member" m ON m."idHash" = a."idHash"
          WHERE NOT EXISTS (SELECT 1 FROM "ChatIdentity" i WHERE i.platform = a.platform AND i."userId" = a."userId")
            AND NOT EXISTS (SELECT 1 FROM "ChatIdentity" i WHERE i.platform = a.platform AND i."memberId" = m.id)
          ORDER BY a.line, a.ord`,
        [new Date().toISOString()],
      ),
    );

  m.unchanged = m.rows - m.membersCreated - Math.max(m.membersUpdated, m.enrolmentsUpdated);
  if (m.membersCreated + m.membersUpdated + m.enrolmentsCreated + m.enrolmentsUpdated + m.identitiesBound > 0)
    // the line audit() writes through Prisma, in this transaction
    await c.query(
      `INSERT INTO "AuditLog" (at, actor, action, "subjectType", "subjectId", details)
       VALUES ($1::timestamp(3), $2, 'roster.import', 'Org', $3, $4)`,
      [new Date().toISOString(), o.actor, unit.code, JSON.stringify({ period: o.period.number, ...m })],
    );
}
