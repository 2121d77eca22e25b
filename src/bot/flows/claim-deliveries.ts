/**
 * After a claim's state change commits, the Delivery rows it planned (src/services/claim-outbox.ts) go to the
 * queue through the app's dispatcher (src/jobs/dispatch.ts implements the port). Without one (a bot built
 * without a queue) the rows stay planned and the delivery sweep sends them.
 */
import type { BotDeps } from '../context.js';

export async function enqueueDeliveries(deps: BotDeps, keys: string[], now?: (key: string) => boolean) {
  if (!keys.length) return;
  if (deps.dispatch) await deps.dispatch(keys, now);
  else deps.log.warn({ keys: keys.length }, 'no delivery dispatcher: the sweep will send the planned rows');
}
