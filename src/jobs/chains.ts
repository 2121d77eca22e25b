/**
 * Messages to one chat that must arrive in order (a rep's report, then its chart; a table's parts, then its
 * charts) are planned as rows whose `after` names the one before. They are enqueued as one deliver job for the
 * first, carrying the rest (`next`): each send enqueues the next (src/services/job-queue.ts, DeliverData). A push
 * to 10 000 reps is then 10 000 jobs, not 20 000, and a chart does not poll the queue until its report is out.
 */
import { must } from '../core/must.js';
import { type JobRequest, jobRequest } from '../services/job-queue.js';
import type { PlannedDelivery } from '../services/planned-delivery.js';

/** BullMQ refuses ':' in custom ids; keys keep their shape otherwise. */
export function deliverJobId(key: string): string {
  return `deliver|${key.replaceAll(':', '|')}`;
}

/** Each planned key's predecessor (its message's `after`), built once per plan. */
export function predecessors(items: Pick<PlannedDelivery, 'key' | 'message'>[]): Map<string, string> {
  return new Map(items.flatMap((it) => (it.message.after ? [[it.key, it.message.after] as const] : [])));
}

/**
 * The keys a planner inserted (in the order planned), cut into chains: a key joins the chain of the row it comes
 * after when that row was inserted by the same call; else it starts a chain of its own (its predecessor belongs to
 * another planner, or was planned earlier: its row's `after` still holds it back when it runs).
 */
export function chainsOf(keys: string[], after: Map<string, string>): string[][] {
  const chainOf = new Map<string, string[]>();
  const chains: string[][] = [];
  for (const key of keys) {
    const prev = after.get(key);
    let chain = prev === undefined ? undefined : chainOf.get(prev);
    if (!chain) {
      chain = [];
      chains.push(chain);
    }
    chain.push(key);
    chainOf.set(key, chain);
  }
  return chains;
}

/** The deliver job of a chain's first key, carrying the rest; its id is the row's, so it is enqueued once. */
export function deliverRequest(chain: string[]): JobRequest {
  const [key, ...next] = chain;
  const first = must(key, 'a chain has at least one key');
  return jobRequest('deliver', next.length ? { key: first, next } : { key: first }, { jobId: deliverJobId(first) });
}
