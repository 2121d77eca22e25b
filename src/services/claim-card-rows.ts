/**
 * The rows an approval card is drawn from, and how to read them. Their own module because the decision
 * (approvals.ts) reads them in its transaction and claim-cards.ts draws from them: neither imports the other for it.
 */
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

export function otherClaimsOf(
  db: Db | Prisma.TransactionClient,
  c: { id: number; periodId: number; memberId: number },
) {
  return db.claim.findMany({
    where: { periodId: c.periodId, memberId: c.memberId, id: { not: c.id } },
    orderBy: { id: 'asc' },
    select: OTHER_CLAIMS_SELECT,
  });
}

/**
 * The rows a card is drawn from, when the caller holds them already (a decision read the claim and the member's
 * other claims in its transaction): the clicked card is then drawn without reading them again.
 */
export interface ClaimCardRows {
  claim: CardClaim;
  others: OtherClaim[];
}
