/**
 * `huzhu roster import`: all rows pass or nothing is written; importing the same file again changes nothing.
 *
 * The file is streamed once: rows are read, checked and written a chunk at a time inside one transaction, and a
 * row error anywhere rolls the whole transaction back (after the rest of the file is still checked, so the office
 * gets every error in one answer). Between chunks only the keys that find duplicates are held (ID hash and chat
 * account → first row), the first errors and the counts: a 100 000-row import stays near the memory of reading the
 * file alone, and a 1 000 000-row one does not grow with it.
 *
 * Two writers: on SQLite (and on PostgreSQL when asked, `pgWriter: 'statements'`) the chunks below, through Prisma;
 * on PostgreSQL by default COPY into a temporary table and set statements on a connection of its own
 * (copy-import.ts), ~70–90 µs a row less. Both write the same rows and give the same errors.
 */

import { inJson, insertMany, providerOfDb } from '../../db/bulk.js';
import type { Db } from '../../db/client.js';
import type { Provider } from '../../db/provider.js';
import type { EnrolmentKind } from '../../rules/index.js';
import { audit } from '../audit.js';
import { rosterEntryRefusal } from '../participation.js';
import { previousPeriod } from '../periods.js';
import { importByCopy } from './copy-import.js';
import { RowErrorList } from './errors.js';
import {
  emptySummary,
  type ImportOptions,
  type ImportResult,
  rawRows,
  rowChecker,
  type State,
} from './import-state.js';
import type { RosterRow } from './validate.js';

export type { ImportOptions, ImportResult, ImportSummary } from './import-state.js';

/**
 * Rows checked and written together: one query per kind of lookup and one bulk insert per table a chunk. The
 * lookups' arguments (1 000 ID hashes, ~66 KB) stay under the size V8 allocates straight into its old generation.
 */
const CHUNK: Record<Provider, number> = { sqlite: 1_000, postgresql: 5_000 };
/**
 * Rows per bulk insert statement. A statement's rows travel as one JSON string, copied a few times on the way
 * through Prisma; a string over ~128 KB is allocated straight into V8's old generation and freed only by a full
 * collection, and the old generation is let grow to about four times what is alive before one runs: with
 * 250-row statements a 100 000-row import peaked at ~415 MB RSS, with 100 (~30 KB as arrays) ~375 MB
 * (bench/roster-memory). On SQLite the insert itself costs little; on PostgreSQL each statement is a round trip,
 * and larger ones are much faster (bench/roster-pg), its memory not being the one measured.
 */
const INSERT_BATCH: Record<Provider, number> = { sqlite: 100, postgresql: 2_000 };

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** thrown inside the transaction to roll it back when a row error was found; never leaves this module */
class RolledBack extends Error {}

export async function importRoster(o: ImportOptions): Promise<ImportResult> {
  const { db, period } = o;
  const unit = await db.org.findUnique({
    where: { code: o.unitCode },
    select: { id: true, code: true, rankUnitId: true },
  });
  if (!unit) return { ok: false, errors: [{ line: 0, message: `找不到单位编码 ${o.unitCode}` }], total: 1 };
  const refusal = await rosterEntryRefusal(db, period, o.unitCode);
  if (refusal) return { ok: false, errors: [{ line: 0, message: refusal }], total: 1 };
  const prevPeriod = await previousPeriod(db, period);
  const prev = prevPeriod
    ? { id: prevPeriod.id, hasData: (await db.enrolment.count({ where: { periodId: prevPeriod.id } })) > 0 }
    : null;

  const s: State = {
    o,
    provider: providerOfDb(db),
    unit,
    prev,
    errors: new RowErrorList(),
    summary: emptySummary(),
    stamp: new Date(),
  };
  const written =
    s.provider === 'postgresql' && o.pgWriter !== 'statements' ? await importByCopy(s) : await importByChunks(s);
  return written ? { ok: true, summary: s.summary } : { ok: false, errors: s.errors.list(), total: s.errors.total };
}

/** The Prisma writer (SQLite, and PostgreSQL when asked): resolves true when written, false when rolled back. */
async function importByChunks(s: State): Promise<boolean> {
  const { o, unit } = s;
  try {
    await o.db.$transaction(
      async (tx) => {
        let chunk: RosterRow[] = [];
        // one chunk is checked and written while the next is read: the database (PostgreSQL, another process) and
        // the parsing work at the same time; chunks still go to the database one after the other, in file order
        let writing: Promise<void> = Promise.resolve();
        const next = async (rows: RosterRow[]) => {
          await writing;
          writing = importChunk(tx, s, rows);
          // its failure is taken when it is awaited, not reported as unhandled while the next chunk is read
          writing.catch(() => {});
        };
        const check = rowChecker(s);
        for await (const raw of rawRows(o)) {
          const row = check(raw);
          if (!row) continue;
          chunk.push(row);
          if (chunk.length >= CHUNK[s.provider]) {
            await next(chunk);
            chunk = [];
          }
        }
        await next(chunk);
        await writing;
        if (s.summary.rows === 0 && s.errors.total === 0) s.errors.add(0, '名册中没有人员行');
        if (s.errors.total) throw new RolledBack();

        const m = s.summary;
        m.unchanged = m.rows - m.membersCreated - Math.max(m.membersUpdated, m.enrolmentsUpdated);
        if (m.membersCreated + m.membersUpdated + m.enrolmentsCreated + m.enrolmentsUpdated + m.identitiesBound > 0)
          await audit(tx, o.actor, 'roster.import', 'Org', unit.code, { period: o.period.number, ...m });
      },
      // the transaction lasts as long as the file takes to read: minutes for a province's million rows
      { timeout: 30 * 60_000, maxWait: 30_000 },
    );
  } catch (e) {
    if (e instanceof RolledBack) return false;
    throw e;
  }
  return true;
}

/** what the database knows of a chunk's people before it is written */
interface Existing {
  id: number;
  idHash: string;
  unitId: number;
  name: string;
  status: string;
  phone: string | null;
  birthDate: string | null;
  hasCriticalIllnessInsurance: boolean;
}

/**
 * Checks one chunk against the database (a person in another unit's roster, a fee that does not match last
 * period, an account bound to someone else) and, while no error has been found anywhere, writes it.
 */
async function importChunk(tx: Tx, s: State, rows: RosterRow[]): Promise<void> {
  const { o, unit, errors, summary } = s;
  const { policy } = o.period;
  if (!rows.length) return;
  summary.rows += rows.length;
  for (const r of rows) {
    if (r.feeFen === null) summary.notParticipating++;
    else summary.participants++;
  }

  const existing = new Map<string, Existing>();
  // raw rows: SQLite's booleans are 0/1
  for (const m of await tx.$queryRawUnsafe<Existing[]>(
    `SELECT "id", "idHash", "unitId", "name", "status", "phone", "birthDate", "hasCriticalIllnessInsurance"
       FROM "Member" WHERE ${inJson(s.provider, 'idHash', 'text')}`,
    JSON.stringify(rows.map((r) => r.idHash)),
  ))
    existing.set(m.idHash, {
      ...m,
      id: Number(m.id),
      unitId: Number(m.unitId),
      hasCriticalIllnessInsurance: Boolean(m.hasCriticalIllnessInsurance),
    });

  const otherUnits = [...new Set([...existing.values()].filter((m) => m.unitId !== unit.id).map((m) => m.unitId))];
  if (otherUnits.length) {
    const names = new Map(
      (await tx.org.findMany({ where: { id: { in: otherUnits } }, select: { id: true, name: true } })).map((u) => [
        u.id,
        u.name,
      ]),
    );
    for (const r of rows) {
      const m = existing.get(r.idHash);
      if (m && m.unitId !== unit.id)
        errors.add(r.line, `此人已在“${names.get(m.unitId) ?? m.unitId}”的名册中：同一人只能在一个单位参加`);
    }
  }

  const prevMembers = new Set<number>();
  if (s.prev && existing.size) {
    for (const e of await tx.$queryRawUnsafe<{ memberId: number }[]>(
      `SELECT "memberId" FROM "Enrolment" WHERE "periodId" = ${s.provider === 'postgresql' ? '$1' : '?'}
         AND "kind" <> 'none' AND ${inJson(s.provider, 'memberId', 'int', 2)}`,
      s.prev.id,
      JSON.stringify([...existing.values()].map((m) => m.id)),
    ))
      prevMembers.add(Number(e.memberId));
  }
  const { newFen, renewalFen } = policy.fees;
  const participated = (r: RosterRow) => {
    const m = existing.get(r.idHash);
    return m ? prevMembers.has(m.id) : false;
  };
  const kindOf = (r: RosterRow): EnrolmentKind => {
    if (r.feeFen === null) return 'none';
    if (newFen === renewalFen) return participated(r) ? 'renewal' : 'new';
    return r.feeFen === renewalFen ? 'renewal' : 'new';
  };
  if (s.prev?.hasData && newFen !== renewalFen) {
    for (const r of rows) {
      if (r.feeFen === null) continue;
      if (r.feeFen === renewalFen && !participated(r))
        errors.add(r.line, `按续互标准交费，但上一期没有此人的参加记录：新参应交 ${newFen / 100} 元`);
      if (r.feeFen === newFen && participated(r))
        errors.add(r.line, `此人上一期已参加，应按续互标准交 ${renewalFen / 100} 元`);
    }
  }

  const accounts = rows.flatMap((r) => r.accounts.map((a) => ({ ...a, row: r })));
  const identityOwner = new Map<string, number>();
  for (const { name: platform } of o.platforms) {
    const ids = accounts.filter((a) => a.platform === platform).map((a) => a.userId);
    if (!ids.length) continue;
    for (const f of await tx.chatIdentity.findMany({
      where: { platform, userId: { in: ids } },
      select: { userId: true, memberId: true },
    }))
      identityOwner.set(`${platform}:${f.userId}`, f.memberId);
  }
  for (const a of accounts) {
    const owner = identityOwner.get(`${a.platform}:${a.userId}`);
    const self = existing.get(a.row.idHash)?.id;
    if (owner !== undefined && owner !== self) errors.add(a.row.line, `账号 ${a.userId} 已绑定到其他人员`);
  }

  // an error anywhere and the transaction is rolled back: the rest of the file is only checked
  if (errors.total) return;
  await writeChunk(tx, s, rows, existing, kindOf, identityOwner, accounts);
}

async function writeChunk(
  tx: Tx,
  s: State,
  rows: RosterRow[],
  existing: Map<string, Existing>,
  kindOf: (r: RosterRow) => EnrolmentKind,
  identityOwner: Map<string, number>,
  accounts: { platform: string; userId: string; row: RosterRow }[],
): Promise<void> {
  const { o, unit, summary, stamp, provider } = s;
  const { policy } = o.period;
  const batch = INSERT_BATCH[provider];

  const fresh = rows.filter((r) => !existing.has(r.idHash));
  for (let i = 0; i < fresh.length; i += batch)
    await insertMany(
      tx,
      provider,
      'Member',
      fresh.slice(i, i + batch).map((r) => ({
        name: r.name,
        idHash: r.idHash,
        idLast4: r.idLast4,
        birthDate: r.birthDate,
        phone: r.phone,
        status: r.status,
        hasBasicInsurance: true,
        hasCriticalIllnessInsurance: r.criticalIllness ?? policy.eligibility.requireCriticalIllnessInsurance,
        unitId: unit.id,
        createdAt: stamp,
        updatedAt: stamp,
      })),
    );
  summary.membersCreated += fresh.length;
  const memberId = new Map<string, number>([...existing.values()].map((m) => [m.idHash, m.id]));
  if (fresh.length)
    for (const m of await tx.$queryRawUnsafe<{ id: number; idHash: string }[]>(
      `SELECT "id", "idHash" FROM "Member" WHERE ${inJson(provider, 'idHash', 'text')}`,
      JSON.stringify(fresh.map((r) => r.idHash)),
    ))
      memberId.set(m.idHash, Number(m.id));
  const idOf = (r: RosterRow): number => {
    const id = memberId.get(r.idHash);
    if (id === undefined) throw new Error('a roster row has no member after its chunk was written');
    return id;
  };

  for (const r of rows) {
    const m = existing.get(r.idHash);
    if (!m) continue;
    const critical = r.criticalIllness ?? m.hasCriticalIllnessInsurance;
    if (
      m.name !== r.name ||
      m.status !== r.status ||
      (r.phone !== null && m.phone !== r.phone) ||
      m.birthDate !== r.birthDate ||
      m.hasCriticalIllnessInsurance !== critical
    ) {
      await tx.member.update({
        where: { id: m.id },
        data: {
          name: r.name,
          status: r.status,
          phone: r.phone ?? m.phone,
          birthDate: r.birthDate,
          hasCriticalIllnessInsurance: critical,
        },
      });
      summary.membersUpdated++;
    }
  }

  const current = new Map<number, { id: number; kind: string; feeFen: number }>();
  if (existing.size)
    for (const e of await tx.$queryRawUnsafe<{ id: number; memberId: number; kind: string; feeFen: number }[]>(
      `SELECT "id", "memberId", "kind", "feeFen" FROM "Enrolment"
        WHERE "periodId" = ${provider === 'postgresql' ? '$1' : '?'} AND ${inJson(provider, 'memberId', 'int', 2)}`,
      o.period.id,
      JSON.stringify([...existing.values()].map((m) => m.id)),
    ))
      current.set(Number(e.memberId), { id: Number(e.id), kind: e.kind, feeFen: Number(e.feeFen) });
  const toCreate: Record<string, string | number | boolean | Date | null>[] = [];
  for (const r of rows) {
    const id = idOf(r);
    const kind = kindOf(r);
    const feeFen = r.feeFen ?? 0;
    const e = current.get(id);
    if (!e)
      // the roster's 交费金额 is the fee the unit collected (seed 003): a participant on it has paid
      toCreate.push({
        periodId: o.period.id,
        memberId: id,
        unitId: unit.id,
        rankUnitId: unit.rankUnitId,
        kind,
        feeFen,
        source: 'roster',
        paid: kind !== 'none',
        paidAt: kind !== 'none' ? stamp : null,
        createdAt: stamp,
        updatedAt: stamp,
      });
    else if (e.kind !== kind || e.feeFen !== feeFen) {
      await tx.enrolment.update({
        where: { id: e.id },
        data: { kind, feeFen, paid: kind !== 'none', paidAt: kind !== 'none' ? stamp : null },
      });
      summary.enrolmentsUpdated++;
    }
  }
  for (let i = 0; i < toCreate.length; i += batch)
    await insertMany(tx, provider, 'Enrolment', toCreate.slice(i, i + batch));
  summary.enrolmentsCreated += toCreate.length;

  const newIdentities = accounts
    .filter((a) => !identityOwner.has(`${a.platform}:${a.userId}`))
    .map((a) => ({ platform: a.platform, userId: a.userId, memberId: idOf(a.row), boundBy: 'roster' }));
  if (!newIdentities.length) return;
  // one identity per platform and member: a new account replaces nothing silently
  for (let i = 0; i < newIdentities.length; i += 1_000) {
    const part = newIdentities.slice(i, i + 1_000);
    const taken = await tx.chatIdentity.findMany({
      where: { OR: part.map((n) => ({ platform: n.platform, memberId: n.memberId })) },
      select: { platform: true, memberId: true },
    });
    const takenKeys = new Set(taken.map((t) => `${t.platform}:${t.memberId}`));
    const data = part.filter((n) => !takenKeys.has(`${n.platform}:${n.memberId}`));
    if (data.length) await tx.chatIdentity.createMany({ data });
    summary.identitiesBound += data.length;
  }
}
