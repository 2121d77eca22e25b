/**
 * The in-process store used when REDIS_URL is unset (one instance only). Same contract as the Redis store; the
 * shared suite in test/state runs against both.
 */

import { must } from '../core/must.js';
import { createMemoryJournal } from './memory-journal.js';
import type { KeyValueStore } from './store.js';

interface Entry {
  value: string;
  expiresAt: number | null;
}

export class LockTimeoutError extends Error {}

export function createMemoryStore(clock: () => number = Date.now): KeyValueStore {
  const data = new Map<string, Entry>();
  const locks = new Map<string, { go: () => void }[]>();

  const live = (key: string): Entry | null => {
    const e = data.get(key);
    if (!e) return null;
    if (e.expiresAt !== null && e.expiresAt <= clock()) {
      data.delete(key);
      return null;
    }
    return e;
  };
  const put = (key: string, value: string, ttlMs?: number) => {
    data.set(key, { value, expiresAt: ttlMs ? clock() + ttlMs : null });
  };

  const store: KeyValueStore = {
    async get(key) {
      return live(key)?.value ?? null;
    },
    async set(key, value, ttlMs) {
      put(key, value, ttlMs);
    },
    async setIfAbsent(key, value, ttlMs) {
      if (live(key)) return false;
      put(key, value, ttlMs);
      return true;
    },
    async del(key) {
      data.delete(key);
    },
    async incr(key, ttlMs) {
      const e = live(key);
      const n = (e ? Number(e.value) : 0) + 1;
      if (e) e.value = String(n);
      else put(key, String(n), ttlMs);
      return n;
    },
    async update(key, fn, ttlMs) {
      // fn is synchronous and JavaScript runs one turn at a time: read-modify-write cannot interleave here
      const next = fn(live(key)?.value ?? null);
      if (next === null) data.delete(key);
      else put(key, next, ttlMs);
      return next;
    },
    async withLock(key, _ttlMs, fn, waitMs = 10_000) {
      // a FIFO hand-over per key: a release wakes exactly the next waiter (no thundering herd under bursts)
      let q = locks.get(key);
      if (q) {
        const queue = q;
        await new Promise<void>((resolve, reject) => {
          const waiter = {
            go: () => {
              clearTimeout(timer);
              resolve();
            },
          };
          const timer = setTimeout(() => {
            const i = queue.indexOf(waiter);
            if (i >= 0) queue.splice(i, 1);
            reject(new LockTimeoutError(`lock ${key} busy`));
          }, waitMs);
          queue.push(waiter);
        });
      } else {
        q = [];
        locks.set(key, q);
      }
      try {
        return await fn();
      } finally {
        const queue = must(locks.get(key), 'the lock queue was set above');
        const next = queue.shift();
        if (next) next.go();
        else locks.delete(key);
      }
    },
    async close() {
      data.clear();
    },
    // in process memory, as everything of this store (inbound-journal.ts says why that is enough here)
    journal: () => createMemoryJournal(store),
  };
  return store;
}
