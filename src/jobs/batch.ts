/**
 * A batch of planned rows sent by one job (`deliver.batch`): each chat's messages in order, one send at a time,
 * each through deliver() (src/jobs/send.ts): pace, claim the row, send, mark sent. The Delivery row's status is the
 * truth, so running a batch again (BullMQ re-runs a job whose worker died; the sweep enqueues rows still queued)
 * sends only what is not out yet, and the message in flight at a crash ends `unknown`, never sent twice.
 *
 * What the batch does not finish itself it hands on, and then goes on with the other chats:
 * - a send that fails: that message and the rest of its chat go to a `deliver` job of their own, which retries it
 *   with the backoff and attempts left (the batch's try counts as the first) and ends it on the dead-letter list; the
 *   other chats of the batch are neither held back nor sent again;
 * - a message whose predecessor is not out yet (planned by another planner), or in another worker's hands, or
 *   whose member's window is full (src/jobs/pace.ts): the same, after that wait;
 * - a pacing wait of a shared bucket (a group robot's, the platform's): the first in a row hands that chat on like
 *   the above (a robot's holds only its group); a second in a row is taken for the platform's (every send would
 *   wait the same), and the rest of the batch goes on as one delayed batch;
 * - after SLICE_MS of sending, the rest goes to the back of the queue as a new batch, so a batch never holds a
 *   worker (or a shutdown) for long, and other jobs (claims' cards) get their turn between slices.
 * A message that can never be sent (no sender for its platform) is a dead letter at once, and its chat goes on.
 */
import { must } from '../core/must.js';
import { batchRequest, deliverRequest } from './chains.js';
import { markFailed } from './deliveries.js';
import { deliver } from './send.js';
import { DelayJob, type JobContext, PermanentJobError } from './types.js';

/** a batch sends for this long, then queues its rest behind what came in meanwhile */
export const SLICE_MS = 5_000;

export async function runBatch(ctx: JobContext, chains: string[][], sliceMs = SLICE_MS): Promise<void> {
  const started = Date.now();
  let done = 0;
  /** the last chat handed on was waiting for a rate limit */
  let paced = false;
  for (let c = 0; c < chains.length; c++) {
    const chain = must(chains[c], 'c < chains.length');
    for (let i = 0; i < chain.length; i++) {
      const key = must(chain[i], 'i < chain.length');
      const rest = () => [chain.slice(i), ...chains.slice(c + 1)];
      if (done > 0 && Date.now() - started >= sliceMs) {
        await ctx.enqueueBulk([batchRequest(rest())]);
        return;
      }
      try {
        await deliver(ctx, key);
        paced = false;
      } catch (e) {
        if (e instanceof DelayJob && e.waitsFor === 'pace') {
          if (paced) {
            await ctx.enqueueBulk([batchRequest(rest(), e.ms)]);
            return;
          }
          paced = true;
          await ctx.enqueueBulk([deliverRequest(chain.slice(i), { delayMs: e.ms })]);
        } else if (e instanceof DelayJob) {
          await ctx.enqueueBulk([deliverRequest(chain.slice(i), { delayMs: e.ms })]);
        } else if (e instanceof PermanentJobError) {
          // as the deliver job's dead letter: this message is set aside, the next of its chat goes on
          await markFailed(ctx.db, key, e.message, true);
          ctx.log.error({ err: e, key }, 'delivery failed for good: dead-letter');
          done++;
          continue;
        } else {
          ctx.log.warn({ err: e, key }, 'a send of a batch failed: retried by a job of its own');
          await ctx.enqueueBulk([deliverRequest(chain.slice(i), { attemptsMade: 1 })]);
        }
        done++;
        // the rest of this chat went with the handed-on job
        break;
      }
      done++;
    }
  }
}
