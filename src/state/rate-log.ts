/**
 * Send pacing shared by every instance: a sliding log per bucket in the shared store (Redis when REDIS_URL is set).
 * A send takes a slot in each of its buckets, or none: a full bucket says how long to wait. The job queue paces by
 * it (src/jobs/pace.ts), and so does a channel whose platform drops what exceeds a per-recipient limit (WeCom's
 * message/send, src/channels/wecom/sender.ts), so both count the same sends in the same buckets.
 * The caller passes the wall time (its own clock, which a test can advance), never the business clock.
 */
import { z } from 'zod';
import { tryJsonColumn } from '../core/json-column.js';
import { must } from '../core/must.js';
import type { RateLimit } from '../core/platform-limits.js';
import type { KeyValueStore } from './store.js';

export interface Bucket {
  id: string;
  limit: RateLimit;
  /** who the limit protects: a refusal of the platform cools the bucket of its scope down (see send.ts) */
  scope: 'platform' | 'robot' | 'member';
}

/**
 * Up to this many sends a bucket keeps the time of each (a sliding log: no window of `windowMs` ever holds more than
 * `limit`, not even across a window boundary); a larger allowance (a platform's thousands a minute) is counted in
 * fixed windows, where a boundary burst stays far below what the platform takes. WeCom's 1000 an hour to one member
 * is still a log: a member's sends are few, and a fixed window would let 2000 through across its boundary.
 */
const LOG_MAX = 1000;

/** The buckets of a message to some members: one per member and per window the platform limits them by. */
export function memberBuckets(platform: string, userIds: readonly string[], limits: readonly RateLimit[]): Bucket[] {
  return [...new Set(userIds)].flatMap((u) =>
    limits.map((limit) => ({ id: `m:${platform}:${u}:${limit.windowMs}`, limit, scope: 'member' as const })),
  );
}

/** A bucket's log in the shared store: the wall times of its recent sends. Unreadable: an empty log (it refills). */
const SendLog = z.array(z.number());
function sendLog(current: string | null): number[] {
  const r = current ? tryJsonColumn(SendLog, current, 'rate log') : null;
  return r?.ok ? r.value : [];
}

/** ms until `slots` more sends fit in this log's window (0: they fit now) */
function logWait(log: number[], limit: RateLimit, slots: number, wallNow: number): number {
  if (log.length + slots <= limit.limit) return 0;
  if (slots > limit.limit) return limit.windowMs;
  // the send that frees the last slot needed is the (log.length + slots - limit)-th oldest, leaving the window
  const freeing = must(log[log.length + slots - limit.limit - 1], 'log.length + slots > limit');
  return freeing + limit.windowMs - wallNow + 1;
}

/**
 * 0 when `slots` sends may go now (and they are counted in every bucket), else the milliseconds to wait (nothing
 * counted). Each bucket is updated atomically in the shared store; a later full bucket gives back what the earlier
 * ones counted.
 */
export async function acquire(store: KeyValueStore, buckets: Bucket[], wallNow: number, slots = 1): Promise<number> {
  const cool = await coolingFor(store, buckets, wallNow);
  if (cool > 0) return cool;
  const taken: Bucket[] = [];
  const giveBack = async () => {
    for (const t of taken) await release(store, t, wallNow, slots);
  };
  for (const b of buckets) {
    if (b.limit.limit > LOG_MAX) {
      const window = Math.floor(wallNow / b.limit.windowMs);
      let n = 0;
      for (let i = 0; i < slots; i++) n = await store.incr(`rate:n:${b.id}:${window}`, b.limit.windowMs + 1_000);
      if (n > b.limit.limit) {
        await giveBack();
        return (window + 1) * b.limit.windowMs - wallNow + 1;
      }
      continue;
    }
    let wait = 0;
    await store.update(
      `rate:log:${b.id}`,
      (current) => {
        const log = sendLog(current).filter((t) => t > wallNow - b.limit.windowMs);
        wait = logWait(log, b.limit, slots, wallNow);
        if (wait === 0) for (let i = 0; i < slots; i++) log.push(wallNow);
        return JSON.stringify(log);
      },
      b.limit.windowMs + 1_000,
    );
    if (wait > 0) {
      await giveBack();
      return wait;
    }
    taken.push(b);
  }
  return 0;
}

/**
 * The wait `acquire` would answer, without counting anything: for a caller that checks before it commits to a send
 * whose slots another layer takes (the job queue before the channel's own per-member pacing). Fixed-window buckets
 * are not read (only `acquire` counts them).
 */
export async function waitFor(store: KeyValueStore, buckets: Bucket[], wallNow: number, slots = 1): Promise<number> {
  let wait = await coolingFor(store, buckets, wallNow);
  for (const b of buckets) {
    if (b.limit.limit > LOG_MAX) continue;
    const log = sendLog(await store.get(`rate:log:${b.id}`)).filter((t) => t > wallNow - b.limit.windowMs);
    wait = Math.max(wait, logWait(log, b.limit, slots, wallNow));
  }
  return wait;
}

async function coolingFor(store: KeyValueStore, buckets: Bucket[], wallNow: number): Promise<number> {
  for (const b of buckets) {
    const cool = Number((await store.get(`rate:cool:${b.id}`)) ?? 0);
    if (cool > wallNow) return cool - wallNow;
  }
  return 0;
}

async function release(store: KeyValueStore, b: Bucket, at: number, slots: number): Promise<void> {
  if (b.limit.limit > LOG_MAX) {
    // a fixed-window counter cannot be decremented through the store's contract: the window's end frees it
    return;
  }
  await store.update(
    `rate:log:${b.id}`,
    (current) => {
      const log = sendLog(current);
      for (let n = 0; n < slots; n++) {
        const i = log.lastIndexOf(at);
        if (i >= 0) log.splice(i, 1);
      }
      return JSON.stringify(log);
    },
    b.limit.windowMs + 1_000,
  );
}

/** The platform said "too many": nothing goes to this bucket for `ms`. */
export async function coolDown(store: KeyValueStore, bucket: Bucket, ms: number, wallNow: number): Promise<void> {
  await store.set(`rate:cool:${bucket.id}`, String(wallNow + ms), ms + 1_000);
}
