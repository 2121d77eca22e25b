/**
 * The shared store over Redis: what makes several app instances behave as one (dedupe marks, dialog state, locks,
 * token cache). Commands fail fast when Redis is away, so a callback answers 5xx and the platform retries it,
 * instead of hanging or losing the message.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { LockTimeoutError } from './memory.js';
import { storeCall } from './redis-errors.js';
import { createRedisJournal } from './redis-journal.js';
import { type KeyValueStore, StoreUnavailableError } from './store.js';

const INCR_WITH_TTL = `local v = redis.call('INCR', KEYS[1]) if v == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return v`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/**
 * A lock is held as a short lease, renewed while its holder runs, up to the ttl the caller gave: a holder killed
 * with kill -9 frees it within one lease instead of the whole ttl (a user's next message was answered busy for two
 * minutes after a crash; test/faults/kill-claims.test.ts).
 */
const LOCK_LEASE_MS = 15_000;
/** how often a client checks again whether a restarted Redis has loaded its data (ioredis: maxLoadingRetryTime) */
export const REDIS_LOADING_RETRY_MS = 100;

export function createRedisStore(url: string, opts: { prefix?: string } = {}): KeyValueStore & { redis: Redis } {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 2_000,
    lazyConnect: false,
    // back within half a second of Redis (the default waits up to 2 s between tries)
    retryStrategy: (times) => Math.min(times * 50, 500),
    // a restarted Redis answers LOADING while it reads its append-only file back; the client then checks again after
    // the ETA Redis gives, at least a second (the default), and every command meanwhile waits in the offline queue:
    // at 200 messages/s that second backed up ~1 200 replies by up to 0.8 s (issue #17's load bench, one run in two)
    maxLoadingRetryTime: REDIS_LOADING_RETRY_MS,
  });
  redis.on('error', () => {
    // reported by the failing command; the client reconnects by itself
  });
  /**
   * Fail fast while the connection is down: a command would wait in the offline queue for the next reconnect try and
   * fail then (a second and more per message under load, issue #17); answered at once, the caller answers busy.
   * Commands issued while (re)connecting still queue: at start-up, and while a reconnect is under way.
   */
  const up = () => {
    if (redis.status === 'reconnecting' || redis.status === 'close' || redis.status === 'end')
      throw new StoreUnavailableError(`redis unavailable (${redis.status})`);
  };
  const k = (key: string) => {
    up();
    return `${opts.prefix ?? 'huzhu:'}${key}`;
  };
  // WATCH belongs to a connection: updates share one dedicated connection, one at a time
  const txConn = redis.duplicate();
  txConn.on('error', () => undefined);
  let txChain: Promise<unknown> = Promise.resolve();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const release = async (lockKey: string, token: string) => {
    try {
      await redis.eval(RELEASE, 1, lockKey, token);
      return true;
    } catch {
      return false;
    }
  };
  /**
   * A lock's release (compare and delete: safe to repeat) that met a Redis restart is tried again in the background
   * for one lease: left to expire, the lock (kept by Redis's append-only file) held the holder's next message for up
   * to a lease, long enough for WeCom's passive answer to time out (test/faults/store-cut.test.ts).
   */
  const unlock = async (lockKey: string, token: string) => {
    if (await release(lockKey, token)) return;
    void (async () => {
      const end = Date.now() + LOCK_LEASE_MS;
      while (Date.now() < end && redis.status !== 'end') {
        await new Promise((r) => setTimeout(r, 200).unref());
        if (await release(lockKey, token)) return;
      }
    })();
  };

  return {
    redis,
    // each call's lost connection is StoreUnavailableError, as when it was down before the call (redis-errors.ts)
    async get(key) {
      return storeCall(redis.get(k(key)));
    },
    async set(key, value, ttlMs) {
      if (ttlMs) await storeCall(redis.set(k(key), value, 'PX', ttlMs));
      else await storeCall(redis.set(k(key), value));
    },
    async setIfAbsent(key, value, ttlMs) {
      return (await storeCall(redis.set(k(key), value, 'PX', ttlMs, 'NX'))) === 'OK';
    },
    async del(key) {
      await storeCall(redis.del(k(key)));
    },
    async incr(key, ttlMs) {
      return Number(await storeCall(redis.eval(INCR_WITH_TTL, 1, k(key), String(ttlMs))));
    },
    async update(key, fn, ttlMs) {
      // optimistic transaction: retried when another instance wrote the key between WATCH and EXEC
      const run = async () => {
        for (let attempt = 0; attempt < 50; attempt++) {
          await txConn.watch(k(key));
          let next: string | null;
          try {
            next = fn(await txConn.get(k(key)));
          } catch (e) {
            await txConn.unwatch();
            throw e;
          }
          const tx = txConn.multi();
          if (next === null) tx.del(k(key));
          else tx.set(k(key), next, 'PX', ttlMs);
          if ((await tx.exec()) !== null) return next;
          await sleep(Math.random() * 10);
        }
        throw new Error(`update of ${key} kept conflicting`);
      };
      const result = txChain.then(run, run);
      txChain = result.catch(() => undefined);
      return storeCall(result);
    },
    async withLock(key, ttlMs, fn, waitMs = 10_000) {
      const token = randomUUID();
      const lockKey = k(`lock:${key}`);
      const deadline = Date.now() + waitMs;
      let delay = 5;
      const lease = Math.min(ttlMs, LOCK_LEASE_MS);
      while ((await storeCall(redis.set(lockKey, token, 'PX', lease, 'NX'))) !== 'OK') {
        if (Date.now() >= deadline) throw new LockTimeoutError(`lock ${key} busy`);
        await sleep(delay);
        delay = Math.min(delay * 2, 100);
      }
      const until = Date.now() + ttlMs;
      const renew = setInterval(() => {
        const left = until - Date.now();
        if (left > 0) void redis.eval(RENEW, 1, lockKey, token, Math.min(lease, left)).catch(() => undefined);
      }, lease / 3);
      renew.unref();
      try {
        return await fn();
      } finally {
        clearInterval(renew);
        await unlock(lockKey, token);
      }
    },
    // beside the delivery marks: each entry is written by the script that sets its mark (inbound-journal.ts)
    journal: () => createRedisJournal(redis, k),
    async close() {
      txConn.disconnect();
      redis.disconnect();
    },
  };
}
