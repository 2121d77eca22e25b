/**
 * "我参加了吗" is the question everyone asks, mostly in bursts after a push. Its facts are kept in the shared store
 * for a short while and dropped by every chat action that changes them (enrolment, claim, decision, payment); a
 * roster import from the command line is seen when the entry expires.
 */
import type { KeyValueStore } from '../state/store.js';

export const STATUS_TTL_MS = 30_000;

export interface StatusFacts {
  enrolled: boolean;
  kind: 'new' | 'renewal' | null;
  feeFen: number | null;
  paid: boolean;
  claims: number;
  paidFen: number;
  capRemainingFen: number;
}

const key = (periodId: number, memberId: number) => `status:${periodId}:${memberId}`;

export async function cachedStatus(
  store: KeyValueStore,
  periodId: number,
  memberId: number,
  load: () => Promise<StatusFacts>,
): Promise<StatusFacts> {
  const hit = await store.get(key(periodId, memberId));
  if (hit) return JSON.parse(hit) as StatusFacts;
  const facts = await load();
  await store.set(key(periodId, memberId), JSON.stringify(facts), STATUS_TTL_MS);
  return facts;
}

export async function forgetStatus(store: KeyValueStore, periodId: number, memberId: number): Promise<void> {
  await store.del(key(periodId, memberId));
}
