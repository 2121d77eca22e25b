/**
 * The states of a Delivery row (an outbox message, or a dead job) as a union: the column is a String, so reads
 * are parsed here and writes name a member of `DeliveryStatus.enum`, never a free string.
 *
 * queued → sending → sent; sending → queued (the platform refused before taking it: rate limit);
 * sending/queued → failed (retried) → dead (retries spent); sending → unknown (a worker died mid-send: never resent
 * automatically); dead/unknown → queued (a replayed send) or replayed (a replayed job).
 */
import { z } from 'zod';

export const DeliveryStatus = z.enum(['queued', 'sending', 'sent', 'failed', 'dead', 'unknown', 'replayed']);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/** Parses a status read from the store; an unknown string is a broken row, so it throws with the value. */
export function parseDeliveryStatus(s: string): DeliveryStatus {
  const r = DeliveryStatus.safeParse(s);
  if (!r.success) throw new Error(`unknown delivery status ${JSON.stringify(s)}`);
  return r.data;
}
