/**
 * The rows an approval card is drawn from, and how to read them. Their own module because the decision
 * (approvals.ts) reads them in its transaction and claim-cards.ts draws from them: neither imports the other for it.
 */
import { z } from 'zod';
import type { Db } from '../db/client.js';
import type { Prisma } from '../generated/sqlite/client.js';

/** The claim as a card reads it: with its decisions (oldest first) and its number of documents. */
export const CARD_CLAIM_INCLUDE = {
  approvals: { orderBy: { id: 'asc' } },
  _count: { select: { attachments: true } },
} as const satisfies Prisma.ClaimInclude;
export type CardClaim = Prisma.ClaimGetPayload<{ include: typeof CARD_CLAIM_INCLUDE }>;

/** The member's other claims of the period as a card reads them (the cap's room, the stays to compare). */
export const OTHER_CLAIMS_SELECT = {
  id: true,
  subsidyFen: true,
  status: true,
  hospital: true,
  admittedOn: true,
  dischargedOn: true,
} as const satisfies Prisma.ClaimSelect;
export type OtherClaim = Prisma.ClaimGetPayload<{ select: typeof OTHER_CLAIMS_SELECT }>;

export const OtherClaimRows = z.array(
  z.object({
    id: z.number().int(),
    subsidyFen: z.number().int(),
    status: z.string(),
    hospital: z.string(),
    admittedOn: z.string(),
    dischargedOn: z.string(),
  }),
) satisfies z.ZodType<OtherClaim[]>;

/**
 * The member's other claims of the period, oldest first: a plain statement (the decision's transaction reads them
 * for the cap on every approval click, and Prisma's query compiler costs more than SQLite's work here).
 */
export async function otherClaimsOf(
  db: Db | Prisma.TransactionClient,
  c: { id: number; periodId: number; memberId: number },
): Promise<OtherClaim[]> {
  return OtherClaimRows.parse(
    await db.$queryRaw`SELECT "id", "subsidyFen", "status", "hospital", "admittedOn", "dischargedOn" FROM "Claim"
      WHERE "periodId" = ${c.periodId} AND "memberId" = ${c.memberId} AND "id" <> ${c.id} ORDER BY "id" ASC`,
  );
}

/** otherClaimsOf's statement on SQLite's own connection (readCardRows); parameters: periodId, memberId, claim id */
export const OTHER_CLAIMS_SQLITE = `SELECT "id", "subsidyFen", "status", "hospital", "admittedOn", "dischargedOn"
  FROM "Claim" WHERE "periodId" = ? AND "memberId" = ? AND "id" <> ? ORDER BY "id" ASC`;

/**
 * The rows a card is drawn from, when the caller holds them already (a decision read the claim and the member's
 * other claims in its transaction): the clicked card is then drawn without reading them again.
 */
export interface ClaimCardRows {
  claim: CardClaim;
  others: OtherClaim[];
}
