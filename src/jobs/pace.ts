/**
 * Pacing of the job queue: one bucket per platform, one per group robot, and one per member and window where the
 * platform limits what one member receives (WeCom: 30 a minute and 1000 an hour by message/send, the excess dropped
 * silently; its descriptor says so, src/channels/wecom/platform.ts). A send that would exceed a window waits for the
 * next one; a platform's own refusal (WeCom 45009) sets a cool-down on the bucket so the whole queue slows, not just
 * that job. The logs live in the shared store (src/state/rate-log.ts).
 * Windows use the wall clock (JobDeps.wallNow, Date.now unless a test advances its own), never the business clock
 * (tests freeze that one).
 */
import type { Recipient } from '../core/messages.js';
import { type Bucket, memberBuckets } from '../state/rate-log.js';
import { type LimitsTable, limitsFor } from './limits.js';

export { acquire, type Bucket, coolDown, waitFor } from '../state/rate-log.js';

export function bucketsFor(table: LimitsTable | undefined, platform: string, to: Recipient): Bucket[] {
  const l = limitsFor(table, platform);
  const buckets: Bucket[] = [{ id: `p:${platform}`, limit: l.perPlatform, scope: 'platform' }];
  if ('chatId' in to) buckets.push({ id: `r:${platform}:${to.chatId}`, limit: l.perRobot, scope: 'robot' });
  else if (l.perMember) buckets.push(...memberBuckets(platform, to.userIds, l.perMember));
  return buckets;
}

/** A channel's rate-limit refusal: the WeCom channel's typed error, or any error carrying retryAfterMs. */
export function retryAfterOf(e: unknown): number | null {
  const ms = (e as { retryAfterMs?: unknown })?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : null;
}

/**
 * A refusal that concerns the recipients only (a channel pacing its own per-member limit before it called the
 * platform): nothing was sent, and nothing else should slow down.
 */
export function isRecipientPaced(e: unknown): boolean {
  return (e as { retryScope?: unknown })?.retryScope === 'recipient';
}
