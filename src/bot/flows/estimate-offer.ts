/**
 * After an estimate with amounts, the bot offers to apply with them: the amounts wait in the shared store for a
 * while, so that 申请 / 好的 / 我要申请 starts the claim form with them filled in, and a follow-up (那两万呢)
 * changes only the amount it names. Read back with zod: a stale or foreign value is ignored, never trusted.
 */
import { z } from 'zod';
import type { Platform } from '../../core/messages.js';
import type { KeyValueStore } from '../../state/store.js';
import type { StayAmounts } from '../slots/claim-amounts.js';
import { parseStored } from '../stored.js';

export const ESTIMATE_OFFER_TTL_MS = 30 * 60_000;

const fen = z.number().int().nonnegative();
const Offer = z.object({
  periodId: z.number().int(),
  totalFen: fen.optional(),
  basicInsuranceFen: fen.optional(),
  selfPaidFen: fen.optional(),
  selfPaidDerived: z.boolean().optional(),
  lead: z.enum(['total', 'basic', 'selfPaid']).optional(),
});
export type EstimateOffer = StayAmounts & { periodId: number };

const key = (platform: Platform, userId: string) => `estimate:${platform}:${userId}`;

export async function readOffer(
  store: KeyValueStore,
  platform: Platform,
  userId: string,
): Promise<EstimateOffer | null> {
  const offer = parseStored(Offer, await store.get(key(platform, userId)), 'estimate offer');
  return offer as EstimateOffer | null;
}

export async function writeOffer(
  store: KeyValueStore,
  platform: Platform,
  userId: string,
  offer: EstimateOffer | null,
): Promise<void> {
  if (offer) await store.set(key(platform, userId), JSON.stringify(offer), ESTIMATE_OFFER_TTL_MS);
  else await store.del(key(platform, userId));
}
