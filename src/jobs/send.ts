/**
 * One planned message out: pace (per platform, per group robot, per member), claim the row, send, mark sent. A
 * rate-limit refusal puts the row back and delays the job without spending an attempt; any other error is retried
 * with backoff by the runner and ends on the dead-letter list. A send the platform took for some recipients only
 * (DingTalk's flow-controlled or invalid staff ids) records each one's outcome (settleUndelivered): the throttled
 * are retried alone the same way, the invalid are dead letters at once.
 */
import { faultPoint } from '../core/fault.js';
import { tryJsonColumn } from '../core/json-column.js';
import { type OutboundMessage, Recipient } from '../core/messages.js';
import { must } from '../core/must.js';
import { type UndeliveredOutcome, undeliveredOf } from '../core/undelivered.js';
import { loadChart } from '../services/broadcasts/charts.js';
import { StoredMessage } from '../services/planned-delivery.js';
import { isClaimMessage, sendClaimMessage } from './claim-send.js';
import { claimDelivery, markFailed, markSent, releaseDelivery, settleUndelivered } from './deliveries.js';
import { acquire, bucketsFor, coolDown, isRecipientPaced, retryAfterOf, waitFor } from './pace.js';
import { DelayJob, type JobContext, PermanentJobError } from './types.js';

const ORDER_WAIT_MS = 200;
/**
 * A send attempt younger than this is taken to be alive in another worker (a platform call gives up within its
 * timeout and retries, well inside it); BullMQ re-runs a dead worker's job only after its lock lapsed (30 s).
 * `sentAt` is written from the business clock, which is the wall clock outside tests (tests freeze it in the past,
 * so there every `sending` row is old).
 */
export const IN_FLIGHT_MS = 30_000;

async function materialise(ctx: JobContext, m: StoredMessage): Promise<OutboundMessage> {
  if (m.kind === 'chart') {
    const png = await loadChart(ctx.db, ctx.store, m, ctx.chartFont);
    return { kind: 'image', png, name: `ranking-${m.date}.png` };
  }
  const { after: _after, ...msg } = m;
  return msg as OutboundMessage;
}

const counts = (o: UndeliveredOutcome) => ({
  delivered: o.delivered.length,
  throttled: o.throttled.length,
  invalid: o.invalid.length,
});

export async function deliver(ctx: JobContext, key: string): Promise<'sent' | string> {
  // a process without senders (the CLI without Redis) only plans: the row stays queued for the app's sweep
  if (!ctx.outbox) return 'left for the app';
  const row = await ctx.db.delivery.findUnique({ where: { key } });
  if (!row) return 'missing';
  if (!['queued', 'failed', 'sending'].includes(row.status)) return row.status;
  // another job may be sending it right now (a batch, and the sweep's job of one of its rows): not taken for an
  // interrupted send (`unknown`) until the attempt is older than any send takes; a crashed one is older by then
  const age = row.status === 'sending' && row.sentAt ? Date.now() - row.sentAt.getTime() : null;
  if (age !== null && age >= 0 && age < IN_FLIGHT_MS)
    throw new DelayJob(IN_FLIGHT_MS - age, `in flight elsewhere: ${key}`, 'order');
  const stored = tryJsonColumn(StoredMessage, row.content, 'Delivery.content');
  const to = tryJsonColumn(Recipient, row.recipient, 'Delivery.recipient');
  // unreadable: claimDelivery below sets the row aside as dead, with the reason
  const after = stored.ok ? stored.value.after : undefined;
  if (after) {
    // the message before it in the same chat goes first; a dead one does not hold the rest back
    const before = await ctx.db.delivery.findUnique({ where: { key: after }, select: { status: true } });
    if (before && ['queued', 'failed', 'sending'].includes(before.status))
      throw new DelayJob(ORDER_WAIT_MS, `waiting for ${after}`, 'order');
  }
  if (!ctx.outbox.platforms().includes(row.platform))
    throw new PermanentJobError(`no sender for platform ${row.platform}`);
  const wallNow = ctx.wallNow ?? Date.now;
  const buckets = bucketsFor(ctx.limits, row.platform, to.ok ? to.value : { userIds: [] });
  // a member's slots are taken by the channel itself at the send (its direct replies count in the same buckets):
  // the queue only waits until every member has room, so a busy member's message waits here, unclaimed
  const members = buckets.filter((b) => b.scope === 'member');
  // a member's full window holds only that chat (a batch goes on with the others); the platform's or a robot's may
  // hold every send after it
  const memberWait = await waitFor(ctx.store, members, wallNow());
  if (memberWait > 0) throw new DelayJob(memberWait, `paced for its member: ${key}`, 'order');
  const wait = await acquire(
    ctx.store,
    buckets.filter((b) => b.scope !== 'member'),
    wallNow(),
  );
  if (wait > 0) throw new DelayJob(wait, `paced: ${key}`);

  // the row read above is not read again: the conditional update inside decides who sends it
  const claim = await claimDelivery(ctx.db, key, ctx.now(), row);
  if (!claim.claimed) return claim.reason;
  const { platform, recipient, message } = claim.row;
  try {
    if (isClaimMessage(message)) await sendClaimMessage(ctx, platform, recipient, message, key);
    else await ctx.outbox.send(platform, recipient, await materialise(ctx, message));
  } catch (e) {
    const after = retryAfterOf(e);
    if (after !== null) {
      // not sent, so it goes back to the queue; a refusal of the platform (45009) cools the robot's or the
      // platform's bucket down, a member's full window (the channel's own pacing) holds back only that message
      if (!isRecipientPaced(e)) {
        const cooled =
          buckets.find((b) => b.scope === 'robot') ?? must(buckets[0], 'every send has its platform bucket');
        await coolDown(ctx.store, cooled, after, wallNow());
      }
      await releaseDelivery(ctx.db, key, `rate limited: ${(e as Error).message}`);
      throw new DelayJob(after, `rate limited by ${platform}`, isRecipientPaced(e) ? 'order' : 'pace');
    }
    const undelivered = undeliveredOf(e);
    if (undelivered) {
      // taken for some recipients only: each one's outcome is recorded, the row keeps those still to do
      const reason = (e as Error).message;
      const next = await settleUndelivered(ctx.db, key, undelivered, reason, ctx.now());
      // the row's id, not its key: a person's key holds their user id unmasked
      ctx.log.warn(
        { delivery: claim.row.id, ...counts(undelivered), next },
        'a send reached only some of its recipients',
      );
      if (next === 'retry') throw new Error(reason);
      throw new PermanentJobError(reason);
    }
    await markFailed(ctx.db, key, (e as Error).message ?? String(e), false);
    throw e;
  }
  faultPoint('delivery-handed');
  await markSent(ctx.db, key, ctx.now());
  faultPoint('delivery-sent');
  return 'sent';
}
