/**
 * "我参加了吗" is the question everyone asks, mostly in bursts after a push. Its facts are kept in the shared store
 * for a short while and dropped by every chat action that changes them (enrolment, claim, decision, payment); a
 * roster import from the command line is seen when the entry expires.
 */
import { z } from 'zod';
import type { Log } from '../core/log.js';
import type { KeyValueStore } from '../state/store.js';
import { parseStored } from './stored.js';

export const STATUS_TTL_MS = 30_000;

const StatusFacts = z.object({
  enrolled: z.boolean(),
  kind: z.enum(['new', 'renewal']).nullable(),
  feeFen: z.number().int().nullable(),
  paid: z.boolean(),
  claims: z.number().int(),
  paidFen: z.number().int(),
  capRemainingFen: z.number().int(),
});
export type StatusFacts = z.infer<typeof StatusFacts>;

const key = (periodId: number, memberId: number) => `status:${periodId}:${memberId}`;

export async function cachedStatus(
  store: KeyValueStore,
  periodId: number,
  memberId: number,
  load: () => Promise<StatusFacts>,
  log?: Log,
): Promise<StatusFacts> {
  // an entry that is not the facts (an older shape) is a miss: loaded again and overwritten
  const hit = parseStored(StatusFacts, await store.get(key(periodId, memberId)), 'status', log);
  if (hit) return hit;
  const facts = await load();
  await store.set(key(periodId, memberId), JSON.stringify(facts), STATUS_TTL_MS);
  return facts;
}

export async function forgetStatus(store: KeyValueStore, periodId: number, memberId: number): Promise<void> {
  await store.del(key(periodId, memberId));
}
