/**
 * Messages to one chat that must arrive in order (a rep's report, then its chart; a table's parts, then its
 * charts) are planned as rows whose `after` names the one before. They are enqueued as one deliver job for the
 * first, carrying the rest (`next`): each send enqueues the next (src/services/job-queue.ts, DeliverData), and a
 * chart does not poll the queue until its report is out. A push hands its chains to the queue in batches
 * (`deliver.batch`, src/jobs/batch.ts): 10 000 reps' reports and charts are about 100 jobs, not 10 000.
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
export function deliverRequest(chain: string[], opts: { delayMs?: number; attemptsMade?: number } = {}): JobRequest {
  const [key, ...next] = chain;
  const first = must(key, 'a chain has at least one key');
  return jobRequest('deliver', next.length ? { key: first, next } : { key: first }, {
    jobId: deliverJobId(first),
    ...(opts.delayMs ? { delayMs: opts.delayMs } : {}),
    ...(opts.attemptsMade ? { attemptsMade: opts.attemptsMade } : {}),
  });
}

/**
 * A batch's id is its first row's: the same batch planned or handed on twice is one job. The sweep's batches have
 * their own (`sweep`): one of them never stands in for a planner's batch that happens to start with the same row.
 */
export function batchJobId(firstKey: string, origin: 'deliver-batch' | 'sweep' = 'deliver-batch'): string {
  return `${origin}|${firstKey.replaceAll(':', '|')}`;
}

/** at most this many rows a batch job (about 100 jobs for a push of 20 000 messages) */
export const BATCH_ROWS = 200;
/**
 * A small push is still cut in this many batches at least (when it has that many chats), so the worker's
 * concurrent jobs send it side by side as they sent single messages before.
 */
export const BATCH_SPREAD = 8;

/** One batch job of whole chains (a chat's ordered messages are never split across batches). */
export function batchRequest(chains: string[][], delayMs = 0, origin?: 'sweep'): JobRequest {
  const first = must(chains[0]?.[0], 'a batch has at least one chain of at least one key');
  return jobRequest('deliver.batch', { chains }, { jobId: batchJobId(first, origin), ...(delayMs ? { delayMs } : {}) });
}

/** Chains cut into batch jobs of about `rows` rows each: at most BATCH_ROWS, and at least BATCH_SPREAD batches. */
export function batchRequests(chains: string[][], origin?: 'sweep'): JobRequest[] {
  const total = chains.reduce((n, c) => n + c.length, 0);
  const rows = Math.max(1, Math.min(BATCH_ROWS, Math.ceil(total / BATCH_SPREAD)));
  const out: JobRequest[] = [];
  let batch: string[][] = [];
  let n = 0;
  for (const chain of chains) {
    if (n > 0 && n + chain.length > rows) {
      out.push(batchRequest(batch, 0, origin));
      batch = [];
      n = 0;
    }
    batch.push(chain);
    n += chain.length;
  }
  if (batch.length) out.push(batchRequest(batch, 0, origin));
  return out;
}
