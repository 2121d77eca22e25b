/**
 * Pacing shared by every instance: a sliding log per bucket in the shared store (Redis when REDIS_URL is set),
 * one bucket per platform and one per group robot. A send that would exceed a window waits for the next one; a platform's
 * own refusal (WeCom 45009) sets a cool-down on the bucket so the whole queue slows, not just that job.
 * Windows use the wall clock, not the business clock (tests freeze the latter).
 */
import { z } from 'zod';
import { tryJsonColumn } from '../core/json-column.js';
import type { Recipient } from '../core/messages.js';
import { must } from '../core/must.js';
import type { KeyValueStore } from '../state/store.js';
import { type LimitsTable, limitsFor, type RateLimit } from './limits.js';

export interface Bucket {
  id: string;
  limit: RateLimit;
}

export function bucketsFor(table: LimitsTable | undefined, platform: string, to: Recipient): Bucket[] {
  const l = limitsFor(table, platform);
  const buckets: Bucket[] = [{ id: `p:${platform}`, limit: l.perPlatform }];
  if ('chatId' in to) buckets.push({ id: `r:${platform}:${to.chatId}`, limit: l.perRobot });
  return buckets;
}

/**
 * 0 when the send may go now (and it is counted), else the milliseconds to wait. Each bucket keeps the times of
 * its last `limit` sends (a sliding log, updated atomically in the shared store), so no window of `windowMs`
 * ever holds more than `limit` sends, not even across a window boundary.
 */
const LOG_MAX = 100;

/** A bucket's log in the shared store: the wall times of its recent sends. Unreadable: an empty log (it refills). */
const SendLog = z.array(z.number());
function sendLog(current: string | null): number[] {
  const r = current ? tryJsonColumn(SendLog, current, 'rate log') : null;
  return r?.ok ? r.value : [];
}

export async function acquire(store: KeyValueStore, buckets: Bucket[], wallNow: number): Promise<number> {
  for (const b of buckets) {
    const cool = Number((await store.get(`rate:cool:${b.id}`)) ?? 0);
    if (cool > wallNow) return cool - wallNow;
  }
  const taken: Bucket[] = [];
  for (const b of buckets) {
    if (b.limit.limit > LOG_MAX) {
      // a large platform-wide allowance: a fixed-window counter is enough (a boundary burst stays far below it)
      const window = Math.floor(wallNow / b.limit.windowMs);
      const n = await store.incr(`rate:n:${b.id}:${window}`, b.limit.windowMs + 1_000);
      if (n > b.limit.limit) {
        for (const t of taken) await release(store, t, wallNow);
        return (window + 1) * b.limit.windowMs - wallNow + 1;
      }
      continue;
    }
    let wait = 0;
    await store.update(
      `rate:log:${b.id}`,
      (current) => {
        const log = sendLog(current).filter((t) => t > wallNow - b.limit.windowMs);
        if (log.length >= b.limit.limit) {
          // log.length >= limit: the entry exists; it is the send that frees a slot when it leaves the window
          const oldest = must(log[log.length - b.limit.limit], 'log.length >= limit');
          wait = oldest + b.limit.windowMs - wallNow + 1;
          return JSON.stringify(log);
        }
        log.push(wallNow);
        return JSON.stringify(log);
      },
      b.limit.windowMs + 1_000,
    );
    if (wait > 0) {
      // give back what the earlier buckets counted for this send
      for (const t of taken) await release(store, t, wallNow);
      return wait;
    }
    taken.push(b);
  }
  return 0;
}

async function release(store: KeyValueStore, b: Bucket, at: number): Promise<void> {
  await store.update(
    `rate:log:${b.id}`,
    (current) => {
      const log = sendLog(current);
      const i = log.lastIndexOf(at);
      if (i >= 0) log.splice(i, 1);
      return JSON.stringify(log);
    },
    b.limit.windowMs + 1_000,
  );
}

/** The platform said "too many": nothing goes to this bucket for `ms`. */
export async function coolDown(store: KeyValueStore, bucket: Bucket, ms: number, wallNow: number): Promise<void> {
  await store.set(`rate:cool:${bucket.id}`, String(wallNow + ms), ms + 1_000);
}

/** A channel's rate-limit refusal: the WeCom channel's typed error, or any error carrying retryAfterMs. */
export function retryAfterOf(e: unknown): number | null {
  const ms = (e as { retryAfterMs?: unknown })?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : null;
}
