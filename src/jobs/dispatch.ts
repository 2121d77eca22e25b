/**
 * The queue's side of DispatchDeliveries (src/services/job-queue.ts): rows a claim's state change planned are sent
 * at once when asked (the clicked card's redraw) through the same exactly-once path the queue uses (claim the row,
 * send, mark sent), else enqueued. If enqueueing fails, or the process dies first, nothing is lost: the rows stay
 * queued and the delivery sweep sends them (at the next start at once, otherwise after its grace period).
 */
import type { DispatchDeliveries, Enqueue } from '../services/job-queue.js';
import { deliverJobId } from './definitions.js';
import { deliver } from './send.js';
import type { JobContext, JobDeps } from './types.js';

export function createDispatch(deps: JobDeps, enqueue: Enqueue): DispatchDeliveries {
  const queue = async (key: string) => {
    try {
      await enqueue('deliver', { key }, { jobId: deliverJobId(key) });
    } catch (e) {
      deps.log.warn({ err: e, key }, 'enqueueing a delivery failed: the sweep will send it');
    }
  };
  const sendNow = async (key: string): Promise<boolean> => {
    const ctx = {
      ...deps,
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
  };
  return async (keys, now = () => false) => {
    for (const key of keys.filter(now)) if (!(await sendNow(key))) await queue(key);
    for (const key of keys.filter((k) => !now(k))) await queue(key);
  };
}
