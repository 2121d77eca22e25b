/**
 * After a claim's state change commits, the Delivery rows it planned (src/services/claim-outbox.ts) are handed to
 * the job queue. If this fails, or the process dies first, nothing is lost: the rows stay queued and the delivery
 * sweep sends them (at the next start at once, otherwise after its grace period).
 */
import { deliverJobId } from '../../jobs/definitions.js';
import type { BotDeps } from '../context.js';

export async function enqueueDeliveries(deps: BotDeps, keys: string[]): Promise<void> {
  if (!deps.enqueue) return;
  for (const key of keys) {
    try {
      await deps.enqueue('deliver', { key }, { jobId: deliverJobId(key) });
    } catch (e) {
      deps.log.warn({ err: e, key }, 'enqueueing a claim delivery failed: the sweep will send it');
    }
  }
}
