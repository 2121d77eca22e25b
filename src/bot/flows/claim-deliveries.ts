/**
 * After a claim's state change commits, the Delivery rows it planned (src/services/claim-outbox.ts) are handed to
 * the job queue. If this fails, or the process dies first, nothing is lost: the rows stay queued and the delivery
 * sweep sends them (at the next start at once, otherwise after its grace period).
 *
 * The redraw of the clicked card is the click's own answer: it is sent at once, in the click's request, through
 * the same exactly-once path the queue uses (claim the row, send, mark sent), so a 50-approval rush does not wait
 * behind the notices in the queue; if that fails or must wait for the platform's pace, the row goes to the queue.
 */
import { deliverJobId } from '../../jobs/definitions.js';
import { deliver } from '../../jobs/send.js';
import type { JobContext } from '../../jobs/types.js';
import type { BotDeps } from '../context.js';

async function enqueue(deps: BotDeps, key: string): Promise<void> {
  if (!deps.enqueue) return;
  try {
    await deps.enqueue('deliver', { key }, { jobId: deliverJobId(key) });
  } catch (e) {
    deps.log.warn({ err: e, key }, 'enqueueing a claim delivery failed: the sweep will send it');
  }
}

async function sendNow(deps: BotDeps, key: string): Promise<boolean> {
  const ctx = {
    db: deps.db,
    store: deps.store,
    log: deps.log,
    templates: deps.templates,
    outbox: deps.outbox,
    now: deps.now,
    enqueue: async () => {},
    enqueueBulk: async () => {},
    jobId: `inline|${key}`,
    attempt: 1,
  } satisfies JobContext;
  try {
    return (await deliver(ctx, key)) === 'sent';
  } catch (e) {
    deps.log.info({ err: e, key }, 'sending at once did not work: queued');
    return false;
  }
}

export async function enqueueDeliveries(deps: BotDeps, keys: string[], now: (key: string) => boolean = () => false) {
  for (const key of keys.filter(now)) if (!(await sendNow(deps, key))) await enqueue(deps, key);
  for (const key of keys.filter((k) => !now(k))) await enqueue(deps, key);
}
