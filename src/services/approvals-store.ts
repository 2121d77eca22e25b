/**
 * Where a decision (approvals.ts decide) reads its claim and writes its rows: the same statements two ways. On
 * SQLite they run on the connection directly (db/sqlite-direct.ts), prepared once — an approval click is a dozen
 * statements on the thread that answers every chat, and Prisma's client costs ~0.5 ms of JavaScript for each
 * (issue #14); elsewhere (PostgreSQL) through Prisma. The rules between them are decide's, once, for both.
 */
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { type DirectSql, directReads, directTransaction, fromSqliteDate } from '../db/sqlite-direct.js';
import type { Approval } from '../generated/sqlite/client.js';
import { audit } from './audit.js';
import {
  CARD_CLAIM_INCLUDE,
  type CardClaim,
  type ClaimCardRows,
  OTHER_CLAIMS_SQLITE,
  OtherClaimRows,
  otherClaimsOf,
} from './claim-card-rows.js';
import type { Tx } from './claims.js';

/** The writes of a decision, in its transaction. */
export interface DecisionWrites {
  /** the guarded move: only from the status and version read; 1 when it moved, 0 when someone was first */
  moveClaim(
    claimId: number,
    guard: { status: string; version: number },
    to: { status: string; subsidyFen?: number },
  ): Promise<number>;
  recordApproval(a: Omit<Approval, 'id'>): Promise<Approval>;
  audit(actor: string, action: string, subjectType: string, subjectId: number, details: unknown): Promise<void>;
}

export interface DecisionStore {
  /** the claim as its card reads it (with its decisions and its number of documents) */
  readClaim(claimId: number): Promise<CardClaim | null>;
  /** `tx` for the services' helpers that read in a transaction (entry rules, other claims, the outbox's plan) */
  transaction<T>(fn: (tx: Tx, w: DecisionWrites) => Promise<T>): Promise<T>;
}

const Flag = z.union([z.boolean(), z.number()]).transform(Boolean);
const DateCol = z.union([z.string(), z.number()]).transform(fromSqliteDate);

const ClaimRow = z.object({
  id: z.number().int(),
  periodId: z.number().int(),
  memberId: z.number().int(),
  officeId: z.number().int().nullable(),
  hospital: z.string(),
  admittedOn: z.string(),
  dischargedOn: z.string(),
  totalFen: z.number().int(),
  basicInsuranceFen: z.number().int(),
  selfPaidFen: z.number().int(),
  majorIllness: Flag,
  subsidyFen: z.number().int(),
  breakdown: z.string(),
  status: z.string(),
  levelsRequired: z.number().int(),
  version: z.number().int(),
  submittedAt: DateCol,
  paidAt: DateCol.nullable(),
});

const ApprovalRow = z.object({
  id: z.number().int(),
  claimId: z.number().int(),
  approverId: z.number().int(),
  level: z.number().int(),
  decision: z.string(),
  comment: z.string().nullable(),
  decidedAt: DateCol,
});

const ApprovalRows = z.array(ApprovalRow);
const Count = z.object({ n: z.number().int() });

const CLAIM_COLUMNS =
  '"id","periodId","memberId","officeId","hospital","admittedOn","dischargedOn","totalFen","basicInsuranceFen",' +
  '"selfPaidFen","majorIllness","subsidyFen","breakdown","status","levelsRequired","version","submittedAt","paidAt"';
const APPROVAL_COLUMNS = '"id","claimId","approverId","level","decision","comment","decidedAt"';

function readClaimOn(sql: DirectSql, claimId: number): CardClaim | null {
  const [row] = sql.all(`SELECT ${CLAIM_COLUMNS} FROM "Claim" WHERE "id" = ?`, claimId);
  if (!row) return null;
  const approvals = ApprovalRows.parse(
    sql.all(`SELECT ${APPROVAL_COLUMNS} FROM "Approval" WHERE "claimId" = ? ORDER BY "id" ASC`, claimId),
  );
  const { n } = Count.parse(sql.all('SELECT COUNT(*) AS "n" FROM "ClaimAttachment" WHERE "claimId" = ?', claimId)[0]);
  return { ...ClaimRow.parse(row), approvals, _count: { attachments: n } };
}

function directWrites(sql: DirectSql): DecisionWrites {
  return {
    async moveClaim(claimId, guard, to) {
      return to.subsidyFen === undefined
        ? sql.run(
            'UPDATE "Claim" SET "status" = ?, "version" = "version" + 1 WHERE "id" = ? AND "status" = ? AND "version" = ?',
            to.status,
            claimId,
            guard.status,
            guard.version,
          ).changes
        : sql.run(
            'UPDATE "Claim" SET "status" = ?, "version" = "version" + 1, "subsidyFen" = ? WHERE "id" = ? AND "status" = ? AND "version" = ?',
            to.status,
            to.subsidyFen,
            claimId,
            guard.status,
            guard.version,
          ).changes;
    },
    async recordApproval(a) {
      const [row] = sql.all(
        `INSERT INTO "Approval" ("claimId","approverId","level","decision","comment","decidedAt") VALUES (?,?,?,?,?,?) RETURNING ${APPROVAL_COLUMNS}`,
        a.claimId,
        a.approverId,
        a.level,
        a.decision,
        a.comment,
        a.decidedAt,
      );
      return ApprovalRow.parse(row);
    },
    async audit(actor, action, subjectType, subjectId, details) {
      // the row audit.ts writes, its `at` as Prisma's default would fill it
      sql.run(
        'INSERT INTO "AuditLog" ("at","actor","action","subjectType","subjectId","details") VALUES (?,?,?,?,?,?)',
        new Date(),
        actor,
        action,
        subjectType,
        String(subjectId),
        JSON.stringify(details),
      );
    },
  };
}

function prismaWrites(tx: Tx): DecisionWrites {
  return {
    async moveClaim(claimId, guard, to) {
      const u = await tx.claim.updateMany({
        where: { id: claimId, status: guard.status, version: guard.version },
        data: {
          status: to.status,
          version: { increment: 1 },
          ...(to.subsidyFen !== undefined ? { subsidyFen: to.subsidyFen } : {}),
        },
      });
      return u.count;
    },
    recordApproval: (a) => tx.approval.create({ data: a }),
    audit: (actor, action, subjectType, subjectId, details) =>
      audit(tx, actor, action, subjectType, subjectId, details),
  };
}

/** The connection's own statements on SQLite, Prisma's elsewhere. */
export function decisionStore(db: Db): DecisionStore {
  const reads = directReads(db);
  if (reads)
    return {
      readClaim: async (claimId) => readClaimOn(reads, claimId),
      async transaction(fn) {
        const r = await directTransaction(db, (sql, tx) => fn(tx, directWrites(sql)));
        if (r) return r.value;
        // the connection went away between the two (a disconnect): Prisma reconnects
        return db.$transaction((tx) => fn(tx, prismaWrites(tx)));
      },
    };
  return {
    readClaim: (claimId) => db.claim.findUnique({ where: { id: claimId }, include: CARD_CLAIM_INCLUDE }),
    transaction: (fn) => db.$transaction((tx) => fn(tx, prismaWrites(tx))),
  };
}

/**
 * The rows a claim's card is drawn from (the claim with its decisions and documents, the member's other claims of the
 * period), outside any transaction: on SQLite by the connection's own statements, like the decision's reads — every
 * card drawn (a redraw of each copy, each of 待审批's cards) read them through Prisma at ~0.5 ms of JavaScript a
 * statement; elsewhere through Prisma.
 */
export async function readCardRows(db: Db, claimId: number): Promise<ClaimCardRows | null> {
  const reads = directReads(db);
  const claim = reads
    ? readClaimOn(reads, claimId)
    : await db.claim.findUnique({ where: { id: claimId }, include: CARD_CLAIM_INCLUDE });
  if (!claim) return null;
  const others = reads
    ? OtherClaimRows.parse(reads.all(OTHER_CLAIMS_SQLITE, claim.periodId, claim.memberId, claim.id))
    : await otherClaimsOf(db, claim);
  return { claim, others };
}
