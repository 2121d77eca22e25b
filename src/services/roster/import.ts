/**
 * `huzhu roster import`: all rows pass or nothing is written; importing the same file again changes nothing.
 */

import { must } from '../../core/must.js';
import { insertMany, providerOfDb } from '../../db/bulk.js';
import type { Db } from '../../db/client.js';
import type { EnrolmentKind } from '../../rules/index.js';
import { audit } from '../audit.js';
import { rosterEntryRefusal } from '../participation.js';
import { type PeriodWithPolicy, previousPeriod } from '../periods.js';
import type { PlatformColumn } from '../programme/columns.js';
import { readRoster } from './read.js';
import { type RosterRow, type RowError, validateRow } from './validate.js';

export interface ImportSummary {
  rows: number;
  membersCreated: number;
  membersUpdated: number;
  enrolmentsCreated: number;
  enrolmentsUpdated: number;
  unchanged: number;
  participants: number;
  notParticipating: number;
  identitiesBound: number;
}

export type ImportResult = { ok: true; summary: ImportSummary } | { ok: false; errors: RowError[] };

const CHUNK = 500;
/**
 * Rows per bulk insert, and ids per page read back. A statement's rows travel as one JSON string, copied a few
 * times on the way through Prisma; a string over ~128 KB is allocated straight into V8's old generation and
 * freed only by a full collection, so 5 000-row statements piled up several hundred MB of garbage (peak RSS of a
 * 100 000-row import ~650 MB). 100 rows (~60 KB, two bytes a character with Chinese names) die young instead:
 * ~500 MB, for about a third more time (bench/roster-memory). Prisma also keeps its last 100 calls' arguments.
 */
const INSERT_BATCH = 100;
const ID_PAGE = 5_000;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface ImportOptions {
  db: Db;
  file: string;
  period: PeriodWithPolicy;
  unitCode: string;
  hashKey: string;
  actor: string;
  /** the platforms whose account columns the roster may carry (the platform folders' descriptors) */
  platforms: readonly PlatformColumn[];
}

export async function importRoster(o: ImportOptions): Promise<ImportResult> {
  const { db, period } = o;
  const provider = providerOfDb(db);
  const policy = period.policy;
  const unit = await db.org.findUnique({ where: { code: o.unitCode } });
  if (!unit) return { ok: false, errors: [{ line: 0, message: `找不到单位编码 ${o.unitCode}` }] };
  const refusal = await rosterEntryRefusal(db, period, o.unitCode);
  if (refusal) return { ok: false, errors: [{ line: 0, message: refusal }] };

  const errors: RowError[] = [];
  const rows: RosterRow[] = [];
  const byHash = new Map<string, number>();
  const byAccount = new Map<string, number>();
  const labelOf = new Map(o.platforms.map((p) => [p.name, p.label]));
  for await (const raw of readRoster(o.file, o.platforms)) {
    const { row, errors: rowErrors } = validateRow(raw, policy, o.hashKey, o.platforms);
    for (const message of rowErrors) errors.push({ line: raw.line, message });
    if (!row) continue;
    const first = byHash.get(row.idHash);
    if (first !== undefined) {
      errors.push({ line: row.line, message: `身份证号与第 ${first} 行重复` });
      continue;
    }
    byHash.set(row.idHash, row.line);
    for (const { platform, userId: account } of row.accounts) {
      const seen = byAccount.get(`${platform}:${account}`);
      if (seen !== undefined)
        errors.push({
          line: row.line,
          message: `${labelOf.get(platform) ?? platform}账号 ${account} 与第 ${seen} 行重复`,
        });
      else byAccount.set(`${platform}:${account}`, row.line);
    }
    rows.push(row);
  }
  if (rows.length === 0 && errors.length === 0) errors.push({ line: 0, message: '名册中没有人员行' });

  // What the database already knows: members (by ID hash), their previous-period enrolment, chat identities.
  const existing = new Map<
    string,
    {
      id: number;
      unitId: number;
      name: string;
      status: string;
      phone: string | null;
      birthDate: string | null;
      hasCriticalIllnessInsurance: boolean;
    }
  >();
  for (const part of chunks(rows.map((r) => r.idHash))) {
    const found = await db.member.findMany({
      where: { idHash: { in: part } },
      select: {
        id: true,
        idHash: true,
        unitId: true,
        name: true,
        status: true,
        phone: true,
        birthDate: true,
        hasCriticalIllnessInsurance: true,
      },
    });
    for (const m of found) existing.set(m.idHash, m);
  }
  const otherUnits = new Set([...existing.values()].filter((m) => m.unitId !== unit.id).map((m) => m.unitId));
  const unitNames = new Map(
    (await db.org.findMany({ where: { id: { in: [...otherUnits] } }, select: { id: true, name: true } })).map((u) => [
      u.id,
      u.name,
    ]),
  );
  for (const r of rows) {
    const m = existing.get(r.idHash);
    if (m && m.unitId !== unit.id)
      errors.push({
        line: r.line,
        message: `此人已在“${unitNames.get(m.unitId) ?? m.unitId}”的名册中：同一人只能在一个单位参加`,
      });
  }

  const prev = await previousPeriod(db, period);
  const prevMembers = new Set<number>();
  let prevHasData = false;
  if (prev) {
    prevHasData = (await db.enrolment.count({ where: { periodId: prev.id } })) > 0;
    const ids = [...existing.values()].map((m) => m.id);
    for (const part of chunks(ids)) {
      const found = await db.enrolment.findMany({
        where: { periodId: prev.id, memberId: { in: part }, kind: { not: 'none' } },
        select: { memberId: true },
      });
      for (const e of found) prevMembers.add(e.memberId);
    }
  }
  const { newFen, renewalFen } = policy.fees;
  const kindOf = (r: RosterRow): EnrolmentKind => {
    if (r.feeFen === null) return 'none';
    const m = existing.get(r.idHash);
    const participated = m ? prevMembers.has(m.id) : false;
    if (newFen === renewalFen) return participated ? 'renewal' : 'new';
    return r.feeFen === renewalFen ? 'renewal' : 'new';
  };
  if (prevHasData) {
    for (const r of rows) {
      if (r.feeFen === null || newFen === renewalFen) continue;
      const m = existing.get(r.idHash);
      const participated = m ? prevMembers.has(m.id) : false;
      if (r.feeFen === renewalFen && !participated)
        errors.push({
          line: r.line,
          message: `按续互标准交费，但上一期没有此人的参加记录：新参应交 ${newFen / 100} 元`,
        });
      if (r.feeFen === newFen && participated)
        errors.push({ line: r.line, message: `此人上一期已参加，应按续互标准交 ${renewalFen / 100} 元` });
    }
  }

  const accounts = rows.flatMap((r) => r.accounts.map((a) => ({ ...a, row: r })));
  const identityOwner = new Map<string, number>();
  for (const { name: platform } of o.platforms) {
    for (const part of chunks(accounts.filter((a) => a.platform === platform).map((a) => a.userId))) {
      const found = await db.chatIdentity.findMany({
        where: { platform, userId: { in: part } },
        select: { userId: true, memberId: true },
      });
      for (const f of found) identityOwner.set(`${platform}:${f.userId}`, f.memberId);
    }
  }
  for (const a of accounts) {
    const owner = identityOwner.get(`${a.platform}:${a.userId}`);
    const self = existing.get(a.row.idHash)?.id;
    if (owner !== undefined && owner !== self)
      errors.push({ line: a.row.line, message: `账号 ${a.userId} 已绑定到其他人员` });
  }

  if (errors.length) return { ok: false, errors: errors.sort((a, b) => a.line - b.line) };

  const summary: ImportSummary = {
    rows: rows.length,
    membersCreated: 0,
    membersUpdated: 0,
    enrolmentsCreated: 0,
    enrolmentsUpdated: 0,
    unchanged: 0,
    participants: rows.filter((r) => r.feeFen !== null).length,
    notParticipating: rows.filter((r) => r.feeFen === null).length,
    identitiesBound: 0,
  };

  await db.$transaction(
    async (tx) => {
      const fresh = rows.filter((r) => !existing.has(r.idHash));
      const stamp = new Date();
      for (const part of chunks(fresh, INSERT_BATCH))
        await insertMany(
          tx,
          provider,
          'Member',
          part.map((r) => ({
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
      summary.membersCreated = fresh.length;
      const memberId = new Map<string, number>([...existing].map(([h, m]) => [h, m.id]));
      // the unit's members, ours included now, a page at a time (one 100 000-row answer is held whole, twice over)
      const [p1, p2] = provider === 'postgresql' ? ['$1', '$2'] : ['?', '?'];
      for (let after = 0; ; ) {
        const page = await tx.$queryRawUnsafe<{ id: number; idHash: string }[]>(
          `SELECT "id", "idHash" FROM "Member" WHERE "unitId" = ${p1} AND "id" > ${p2} ORDER BY "id" LIMIT ${ID_PAGE}`,
          unit.id,
          after,
        );
        for (const m of page) if (!memberId.has(m.idHash)) memberId.set(m.idHash, Number(m.id));
        if (page.length < ID_PAGE) break;
        after = Number(must(page.at(-1), 'the page is not empty').id);
      }
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
      for (const part of chunks([...memberId.values()])) {
        for (const e of await tx.enrolment.findMany({
          where: { periodId: period.id, memberId: { in: part } },
          select: { id: true, memberId: true, kind: true, feeFen: true },
        }))
          current.set(e.memberId, e);
      }
      const toCreate: {
        periodId: number;
        memberId: number;
        unitId: number;
        rankUnitId: number | null;
        kind: string;
        feeFen: number;
        source: string;
      }[] = [];
      for (const r of rows) {
        const id = must(memberId.get(r.idHash), 'every roster row has its member by now');
        const kind = kindOf(r);
        const feeFen = r.feeFen ?? 0;
        const e = current.get(id);
        if (!e)
          toCreate.push({
            periodId: period.id,
            memberId: id,
            unitId: unit.id,
            rankUnitId: unit.rankUnitId,
            kind,
            feeFen,
            source: 'roster',
          });
        else if (e.kind !== kind || e.feeFen !== feeFen) {
          await tx.enrolment.update({
            where: { id: e.id },
            data: { kind, feeFen, paid: kind !== 'none', paidAt: kind !== 'none' ? stamp : null },
          });
          summary.enrolmentsUpdated++;
        }
      }
      for (const part of chunks(toCreate, INSERT_BATCH))
        await insertMany(
          tx,
          provider,
          'Enrolment',
          // the roster's 交费金额 is the fee the unit collected (seed 003): a participant on it has paid
          part.map((e) => ({
            ...e,
            paid: e.kind !== 'none',
            paidAt: e.kind !== 'none' ? stamp : null,
            createdAt: stamp,
            updatedAt: stamp,
          })),
        );
      summary.enrolmentsCreated = toCreate.length;

      const newIdentities = accounts
        .filter((a) => !identityOwner.has(`${a.platform}:${a.userId}`))
        .map((a) => ({
          platform: a.platform,
          userId: a.userId,
          memberId: must(memberId.get(a.row.idHash), 'every roster row has its member by now'),
          boundBy: 'roster',
        }));
      // one identity per platform and member: a new account replaces nothing silently
      for (const part of chunks(newIdentities, 1000)) {
        const taken = await tx.chatIdentity.findMany({
          where: { OR: part.map((i) => ({ platform: i.platform, memberId: i.memberId })) },
          select: { platform: true, memberId: true },
        });
        const takenKeys = new Set(taken.map((t) => `${t.platform}:${t.memberId}`));
        const data = part.filter((i) => !takenKeys.has(`${i.platform}:${i.memberId}`));
        if (data.length) await tx.chatIdentity.createMany({ data });
        summary.identitiesBound += data.length;
      }
      summary.unchanged =
        rows.length - summary.membersCreated - Math.max(summary.membersUpdated, summary.enrolmentsUpdated);
      if (
        summary.membersCreated +
          summary.membersUpdated +
          summary.enrolmentsCreated +
          summary.enrolmentsUpdated +
          summary.identitiesBound >
        0
      )
        await audit(tx, o.actor, 'roster.import', 'Org', unit.code, { period: period.number, ...summary });
    },
    { timeout: 300_000, maxWait: 30_000 },
  );
  return { ok: true, summary };
}
