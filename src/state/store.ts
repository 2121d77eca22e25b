/**
 * Short-lived shared state (dedupe marks, dialog state, locks, token cache). Backed by Redis when REDIS_URL is set,
 * by process memory otherwise; both implementations pass the same test suite.
 */
import type { InboundJournal } from './inbound-journal.js';

/**
 * The store could not be asked (Redis is down or reconnecting), or its connection dropped under the call (which then
 * may or may not have reached it: redis-errors.ts): the call may be tried again.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** set only when absent; true when this call set it (the basis of exactly-once) */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(key: string): Promise<void>;
  /** increment a counter, creating it with ttl when new; returns the new value */
  incr(key: string, ttlMs: number): Promise<number>;
  /**
   * Atomically read-modify-write one key: two concurrent updates never lose each other's change.
   * `fn` gets the current value (null when absent) and returns the new value (null deletes).
   */
  update(key: string, fn: (current: string | null) => string | null, ttlMs: number): Promise<string | null>;
  /** run fn while holding a lock shared by every instance on this store; waits up to waitMs */
  withLock<T>(key: string, ttlMs: number, fn: () => Promise<T>, waitMs?: number): Promise<T>;
  close(): Promise<void>;
  /**
   * This process's inbound journal over this store (inbound-journal.ts): messages acknowledged before their turn
   * ran, written with their delivery mark. Optional: a store without one (a test's fake) journals nothing.
   */
  journal?(): InboundJournal;
}
