/**
 * ioredis's ways of saying the connection went away under a command, as the store's one error for it
 * (StoreUnavailableError). The store's `up()` check only sees a connection that is down when the command is issued;
 * a command already on the wire when Redis stops (or queued while a reconnect was under way) fails later, with
 * ioredis's own error: MaxRetriesPerRequestError once the first reconnect failed, or "Connection is closed.". Left
 * raw, the callers that wait out a Redis restart (a reply sent through the API, a delivery mark released after a
 * failed turn) took it for a real failure and gave up: the load bench's one lost WeCom message in ~12 000 (issue
 * #17), a reply dropped because its token read was in flight at the stop.
 *
 * Such a command may or may not have run on the server: every caller that retries on StoreUnavailableError does
 * something that is safe to do twice (reads, a delete, a pacing slot counted twice).
 */
import { StoreUnavailableError } from './store.js';

const CONNECTION_GONE = new Set([
  'Connection is closed.',
  "Stream isn't writeable and enableOfflineQueue options is false",
]);

/** the error a store call throws: StoreUnavailableError for a lost connection, anything else unchanged */
export function storeError(e: unknown): unknown {
  if (e instanceof StoreUnavailableError || !(e instanceof Error)) return e;
  if (e.name === 'MaxRetriesPerRequestError' || CONNECTION_GONE.has(e.message))
    return new StoreUnavailableError(`redis connection lost under a command: ${e.message}`, { cause: e });
  return e;
}

/** a store call's promise, its lost-connection error made StoreUnavailableError */
export async function storeCall<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw storeError(e);
  }
}
