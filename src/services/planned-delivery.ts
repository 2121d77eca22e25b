/**
 * The outbox's port, owned by the use cases that plan messages (broadcasts, claims): a planned delivery is a row
 * with a unique key, the recipient and the stored message; src/jobs/deliveries.ts inserts and sends them exactly
 * once. Services describe what to send; the job layer implements how.
 */
import { z } from 'zod';
import type { Recipient } from '../core/messages.js';
import { must } from '../core/must.js';
import { ClaimMessage } from './claim-outbox.js';

/** the key of the message that must be out first (the parts of a table, then its charts, in order) */
const after = { after: z.string().optional() };

/** What a row's `content` holds: the message, with a chart by reference (the PNG lives in the shared store). */
export const StoredMessage = z.union([
  z.object({ kind: z.literal('text'), text: z.string(), ...after }),
  z.object({ kind: z.literal('markdown'), text: z.string(), ...after }),
  /** highlightId: the rep's own ranked unit, drawn in another colour and marked 本单位 */
  z.object({
    kind: z.literal('chart'),
    periodId: z.number().int(),
    date: z.string(),
    category: z.string(),
    highlightId: z.number().int().optional(),
    ...after,
  }),
  /** a claim's notice, new cards or card redraw (src/services/claim-outbox.ts) */
  ...ClaimMessage.options.map((o) => o.extend(after)),
]);
export type StoredMessage = z.infer<typeof StoredMessage>;

export type DeliveryKind = 'ranking_push' | 'ranking_group' | 'deadline' | 'adhoc' | 'notice' | 'job' | 'claim';

export interface PlannedDelivery {
  key: string;
  kind: DeliveryKind;
  platform: string;
  recipient: Recipient;
  message: StoredMessage;
}

/** Messages to one recipient arrive in the order given: each waits for the one before it. */
export function inOrder(items: PlannedDelivery[]): PlannedDelivery[] {
  return items.map((it, i) =>
    i === 0 ? it : { ...it, message: { ...it.message, after: must(items[i - 1], 'i > 0').key } },
  );
}
