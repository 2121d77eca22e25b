/**
 * After an estimate with amounts, the bot offers to apply with them: the amounts wait in the shared store for a
 * while, so that 申请 / 好的 / 我要申请 starts the claim form with them filled in, and a follow-up (那两万呢)
 * changes only the amount it names. Read back with zod: a stale or foreign value is ignored, never trusted.
 */
import { z } from 'zod';
import type { Card, Platform } from '../../core/messages.js';
import type { KeyValueStore } from '../../state/store.js';
import type { Turn } from '../context.js';
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
  /** the card whose 用这些金额申请 button applies with these amounts */
  cardId: z.string().optional(),
});
export type EstimateOffer = StayAmounts & { periodId: number; cardId?: string };

/** the button of the estimate's card: estimate:apply:<card id> */
export const ESTIMATE_ACTION = /^estimate:apply:([A-Za-z0-9_-]{1,100})$/;
export function isEstimateAction(action: string): boolean {
  return ESTIMATE_ACTION.test(action);
}

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

/** The tappable offer: one button that starts the claim form with these amounts (claim.ts: onEstimateClick). */
export function applyCard(t: Turn, id: string, amounts: StayAmounts, finalText?: string): Card {
  return t.deps.templates.card(
    'estimate_apply',
    { amounts },
    {
      id,
      buttons: [{ key: `estimate:apply:${id}`, text: '用这些金额申请', style: 'primary' }],
      ...(finalText ? { finalText } : {}),
    },
  );
}
