/**
 * Exactly-once sends over the Delivery table, whatever the number of app instances.
 *
 * A message is planned as a row with a unique `key` (e.g. `ranking:2017-03-20:wecom:demo-rep-1`); only the
 * instance whose insert wins enqueues it. A send job claims the row (queued|failed → sending, one UPDATE with
 * the status in its WHERE, so two workers cannot both claim it), sends, and marks it sent.
 *
 * The crash window between "claimed" and "marked sent" cannot be closed without the platform's help (WeCom's
 * message/send takes no idempotency key). Our choice: never send twice automatically. A later attempt that finds
 * the row still `sending` and the attempt older than a send can take (the worker died, BullMQ re-ran the stalled job;
 * a younger one is left to the worker sending it: src/jobs/send.ts IN_FLIGHT_MS; or the sweep finds a `sending` row
 * older than the lease) marks it `unknown` and puts it on the dead-letter list, where an admin sees it
 * (`huzhu jobs dead`) and decides (`huzhu jobs replay <id>`). Nothing is lost silently, nothing goes out twice.
 * While a row is `sending`, `sentAt` holds when the attempt started (the lease); once `sent`, when it went out.
 * Rows planned but never enqueued (a crash between insert and enqueue) stay `queued`: the sweep enqueues them.
 */

import { z } from 'zod';
import { tryJsonColumn } from '../core/json-column.js';
import { Recipient } from '../core/messages.js';
import { must } from '../core/must.js';
import type { UndeliveredOutcome } from '../core/undelivered.js';
import { providerOfDb } from '../db/bulk.js';
import type { Db } from '../db/client.js';
import type { Delivery } from '../generated/sqlite/client.js';
import { DeliveryStatus, parseDeliveryStatus } from '../rules/index.js';
import { type PlannedDelivery, StoredMessage } from '../services/planned-delivery.js';

/** the statuses by name: a typo is a type error, not a row no query finds */
const S = DeliveryStatus.enum;

export const DEAD_STATUSES = ['dead', 'unknown'] as const satisfies readonly DeliveryStatus[];
/**
 * Rows per INSERT: the chunk's rows travel as one JSON parameter (PostgreSQL's and SQLite's limits on bound
 * parameters never apply), small enough that the first chunk's jobs are enqueued while the next one is inserted.
 */
const CHUNK = 2000;
/**
 * Chunks in flight at once on PostgreSQL (each on its own pooled connection): while one chunk's rows are written,
 * the next one's JSON is built and parsed, and a second core does the other's index work (10 000 reps: about 35 %
 * less time than one chunk at a time). SQLite has one writer: one at a time.
 */
const PG_CHUNKS_IN_FLIGHT = 2;

function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string })?.code === 'P2002' || /unique/i.test(String((e as Error)?.message));
}

/**
 * The insert time, written by us: on SQLite the column's default (CURRENT_TIMESTAMP) is text like
 * '2026-03-02 02:17:00', which compares as older than any ISO time Prisma binds ('2026-03-02T…'), so the sweep's
 * grace period never held. Prisma's own SQLite form is ISO with '+00:00'; PostgreSQL takes the Date.
 */
function createdAtValue(db: Db, at: Date): Date | string {
  return providerOfDb(db) === 'sqlite' ? at.toISOString().replace('Z', '+00:00') : at;
}

/**
 * Inserts the rows not there yet; returns the keys this call inserted (the ones this caller must enqueue).
 * One `INSERT … SELECT … FROM <the chunk as JSON> ON CONFLICT ("key") DO NOTHING RETURNING "key"` per chunk
 * (SQLite ≥ 3.35 and PostgreSQL): a key another instance inserted first is simply not returned, so exactly one
 * planner owns it, and planning the same push twice (a double click, a retried job) inserts nothing the second time.
 * The rows are one JSON parameter unpacked by the database itself (PostgreSQL json_to_recordset, SQLite json_each):
 * binding 6 parameters a row cost Prisma about as much as the database's whole insert (src/db/bulk.ts). The
 * recipient and the message ride in it as JSON objects, not as strings inside the JSON (escaped twice, that doubled
 * Prisma's share again), and are stored as the text JSON.stringify gives them: PostgreSQL's `json` keeps a value's
 * input text, SQLite's json_extract renders an object minified, which is the same text.
 */
export async function planDeliveries(
  db: Db,
  items: PlannedDelivery[],
  /**
   * called with each chunk's inserted keys, in the order planned within the chunk, as soon as they are in (the
   * caller enqueues while we insert on); a run of messages chained by `after` is never split across two chunks
   */
  onChunk?: (keys: string[]) => void,
): Promise<string[]> {
  const mine: string[] = [];
  const createdAt = createdAtValue(db, new Date());
  const pg = providerOfDb(db) === 'postgresql';
  const sql = pg
    ? `INSERT INTO "Delivery" ("key", "kind", "platform", "recipient", "content", "createdAt")
       SELECT r.k, r.n, r.p, r.r::text, r.c::text, $2::timestamp(3)
       FROM ROWS FROM (json_to_recordset($1::json) AS (k text, n text, p text, r json, c json)) WITH ORDINALITY
         AS r(k, n, p, r, c, o)
       ORDER BY r.o
       ON CONFLICT ("key") DO NOTHING
       RETURNING "key"`
    : // SQLite: `WHERE true` tells its parser the ON CONFLICT belongs to the INSERT, not to a join in the SELECT
      `INSERT INTO "Delivery" ("createdAt", "key", "kind", "platform", "recipient", "content")
       SELECT ?, json_extract(value, '$.k'), json_extract(value, '$.n'), json_extract(value, '$.p'),
              json_extract(value, '$.r'), json_extract(value, '$.c')
       FROM json_each(?) WHERE true ORDER BY json_each."key"
       ON CONFLICT ("key") DO NOTHING
       RETURNING "key"`;
  // a chunk never cuts a recipient's ordered messages in two: the caller enqueues each run of them as one chain
  const chunks: PlannedDelivery[][] = [];
  for (let i = 0; i < items.length; ) {
    let end = Math.min(i + CHUNK, items.length);
    while (end < items.length && items[end]?.message.after === items[end - 1]?.key) end++;
    chunks.push(items.slice(i, end));
    i = end;
  }
  const insertChunk = async (chunk: PlannedDelivery[]): Promise<string[]> => {
    const rows = chunk.map((c) => ({
      k: c.key,
      n: c.kind,
      p: c.platform,
      r: c.recipient,
      c: c.message,
    }));
    const json = JSON.stringify(rows);
    const inserted = await db.$queryRawUnsafe<{ key: string }[]>(sql, ...(pg ? [json, createdAt] : [createdAt, json]));
    // in the order planned, whatever order RETURNING gave them in
    const won = new Set(inserted.map((r) => r.key));
    return chunk.filter((c) => won.has(c.key)).map((c) => c.key);
  };
  // each chunk's keys go to the caller as soon as they are in (chunks in flight together may finish in any order);
  // `mine` keeps the order planned
  const results: string[][] = [];
  let next = 0;
  let failed = false;
  const worker = async () => {
    // after a failed chunk the others stop too: the planner's retry inserts (and enqueues) only what is not in yet
    for (let n = next++; n < chunks.length && !failed; n = next++) {
      const keys = await insertChunk(must(chunks[n], 'n < chunks.length')).catch((e: unknown) => {
        failed = true;
        throw e;
      });
      results[n] = keys;
      onChunk?.(keys);
    }
  };
  await Promise.all(Array.from({ length: pg ? PG_CHUNKS_IN_FLIGHT : 1 }, worker));
  for (const keys of results) mine.push(...keys);
  return mine;
}

export type Claim =
  | {
      claimed: true;
      row: {
        id: number;
        key: string;
        platform: string;
        recipient: Recipient;
        message: StoredMessage;
        attempts: number;
      };
    }
  | { claimed: false; reason: 'missing' | 'sent' | 'dead' | 'unknown' | 'raced' };

export async function claimDelivery(
  db: Db,
  key: string,
  now: Date,
  /** the row as the caller just read it (saves reading it again; the conditional update below decides) */
  read?: Delivery | null,
): Promise<Claim> {
  const row = read === undefined ? await db.delivery.findUnique({ where: { key } }) : read;
  if (!row) return { claimed: false, reason: 'missing' };
  const status = parseDeliveryStatus(row.status);
  if (status === S.sent) return { claimed: false, reason: 'sent' };
  if (status === S.dead || status === S.unknown) return { claimed: false, reason: status };
  if (status === S.sending) {
    await db.delivery.updateMany({
      where: { key, status: S.sending },
      data: {
        status: S.unknown,
        error: 'an earlier attempt stopped while sending: not resent automatically (huzhu jobs replay)',
      },
    });
    return { claimed: false, reason: 'unknown' };
  }
  // a row no version of the app could send (hand-edited, or an older shape) is a dead letter with the reason
  const recipient = tryJsonColumn(Recipient, row.recipient, 'Delivery.recipient');
  const message = tryJsonColumn(StoredMessage, row.content, 'Delivery.content');
  if (!recipient.ok || !message.ok) {
    const error = [recipient, message].flatMap((r) => (r.ok ? [] : [r.reason])).join('; ');
    await db.delivery.updateMany({
      where: { key, status: { in: [S.queued, S.failed] } },
      data: { status: S.dead, error },
    });
    return { claimed: false, reason: 'dead' };
  }
  const r = await db.delivery.updateMany({
    where: { key, status: { in: [S.queued, S.failed] } },
    data: { status: S.sending, attempts: { increment: 1 }, sentAt: now },
  });
  if (r.count !== 1) return { claimed: false, reason: 'raced' };
  return {
    claimed: true,
    row: {
      id: row.id,
      key,
      platform: row.platform,
      recipient: recipient.value,
      message: message.value,
      attempts: row.attempts + 1,
    },
  };
}

export async function markSent(db: Db, key: string, now: Date): Promise<void> {
  await db.delivery.updateMany({
    where: { key, status: { in: [S.sending, S.unknown] } },
    data: { status: S.sent, sentAt: now, error: null },
  });
}

/** the key of a recipient's own row, split off a row to several recipients (settleUndelivered) */
export const recipientKey = (key: string, userId: string) => `${key}#to:${userId}`;

/**
 * A send the platform took for some recipients only (src/core/undelivered.ts). Each recipient's outcome is
 * recorded, so a retry never reaches one who has the message:
 * - the row itself keeps the recipients still to do: the throttled ones (`failed`: the job retries it with its
 *   backoff, then the dead-letter list), else the invalid ones (`dead` now, never retried);
 * - the others of a row to several recipients get a row of their own (recipientKey): `sent` for those who got
 *   it, `dead` with the reason for invalid ones when the row keeps the throttled ones.
 * The Delivery row's shape does not change: the split rows are ordinary rows with the same kind and content.
 * Returns what the caller does next: `retry` (throttled left) or `dead`.
 */
export async function settleUndelivered(
  db: Db,
  key: string,
  outcome: UndeliveredOutcome,
  reason: string,
  now: Date,
): Promise<'retry' | 'dead'> {
  const { delivered, throttled, invalid } = outcome;
  const why = reason.slice(0, 1000);
  const invalidWhy = `not delivered for good: the platform does not know this recipient (an invalid id); not retried. ${why}`;
  return db.$transaction(async (tx) => {
    const row = await tx.delivery.findUnique({ where: { key } });
    if (!row) return 'dead';
    const keep = throttled.length ? throttled : invalid;
    const own = (userIds: string[], status: DeliveryStatus, error: string | null) =>
      userIds.map((u) =>
        tx.delivery.upsert({
          where: { key: recipientKey(key, u) },
          create: {
            key: recipientKey(key, u),
            kind: row.kind,
            platform: row.platform,
            recipient: JSON.stringify({ userIds: [u] }),
            content: row.content,
            status,
            attempts: row.attempts,
            error,
            createdAt: row.createdAt,
            sentAt: status === S.sent ? now : null,
          },
          update: {},
        }),
      );
    await Promise.all([...own(delivered, S.sent, null), ...(throttled.length ? own(invalid, S.dead, invalidWhy) : [])]);
    await tx.delivery.updateMany({
      where: { key, status: S.sending },
      data: {
        recipient: JSON.stringify({ userIds: keep }),
        status: throttled.length ? S.failed : S.dead,
        error: (throttled.length
          ? `flow-controlled by the platform: retried with backoff for ${throttled.length} recipient(s) only; ${why}`
          : invalidWhy
        ).slice(0, 1000),
        sentAt: null,
      },
    });
    return throttled.length ? 'retry' : 'dead';
  });
}

/** The platform refused before taking the message (rate limit): the row goes back to the queue. */
export async function releaseDelivery(db: Db, key: string, note: string): Promise<void> {
  await db.delivery.updateMany({
    where: { key, status: S.sending },
    data: { status: S.queued, sentAt: null, error: note },
  });
}

export async function markFailed(db: Db, key: string, error: string, final: boolean): Promise<void> {
  await db.delivery.updateMany({
    where: { key, status: { in: [S.sending, S.queued, S.failed] } },
    data: { status: final ? S.dead : S.failed, error: error.slice(0, 1000), sentAt: null },
  });
}

/** A job other than a send failed for good: one dead-letter row holding what is needed to run it again. */
export async function recordDeadJob(db: Db, name: string, jobId: string, data: unknown, error: string): Promise<void> {
  const key = `job:${name}:${jobId}`;
  const content = JSON.stringify({ name, data });
  try {
    await db.delivery.create({
      data: { key, kind: 'job', platform: '-', recipient: '-', content, status: S.dead, error: error.slice(0, 1000) },
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    await db.delivery.update({ where: { key }, data: { status: S.dead, error: error.slice(0, 1000) } });
  }
}

export async function deadLetters(db: Db, take = 100) {
  return db.delivery.findMany({
    where: { status: { in: [...DEAD_STATUSES] } },
    orderBy: { id: 'asc' },
    take,
    select: {
      id: true,
      key: true,
      kind: true,
      platform: true,
      recipient: true,
      status: true,
      attempts: true,
      error: true,
      createdAt: true,
    },
  });
}

/** A send to queue again by its key, or a dead job to run again (its name and payload as stored: parse both). */
export type ReplayPlan = { name: 'deliver'; data: { key: string } } | { name: 'job'; job: string; data: unknown };

/** what recordDeadJob stores */
const DeadJob = z.object({ name: z.string(), data: z.unknown() });

/** Puts a dead letter back: a send returns to `queued`; a job is marked `replayed` and handed back to run. */
export async function prepareReplay(db: Db, id: number): Promise<ReplayPlan | null> {
  const row = await db.delivery.findUnique({ where: { id } });
  if (!row) return null;
  const status = parseDeliveryStatus(row.status);
  if (!(DEAD_STATUSES as readonly DeliveryStatus[]).includes(status)) return null;
  if (row.kind === 'job') {
    const { name, data } = DeadJob.parse(JSON.parse(row.content));
    const r = await db.delivery.updateMany({ where: { id, status }, data: { status: S.replayed } });
    return r.count === 1 ? { name: 'job', job: name, data } : null;
  }
  const r = await db.delivery.updateMany({
    where: { id, status },
    data: { status: S.queued, error: `replayed after: ${row.error ?? ''}`.slice(0, 1000) },
  });
  return r.count === 1 ? { name: 'deliver', data: { key: row.key } } : null;
}

/** Rows planned but not picked up (their enqueue was lost), oldest first. */
export async function unqueuedKeys(db: Db, olderThan: Date, take = 1000): Promise<string[]> {
  const rows = await db.delivery.findMany({
    where: { status: S.queued, kind: { not: 'job' }, createdAt: { lt: olderThan } },
    orderBy: { id: 'asc' },
    take,
    select: { key: true },
  });
  return rows.map((r) => r.key);
}

/** `sending` rows whose attempt started before `olderThan`: their worker is gone, so they become `unknown`. */
export async function expireStaleSending(db: Db, olderThan: Date): Promise<number> {
  const r = await db.delivery.updateMany({
    where: { status: S.sending, sentAt: { lt: olderThan } },
    data: {
      status: S.unknown,
      error: 'the send was interrupted (lease expired): not resent automatically (huzhu jobs replay)',
    },
  });
  return r.count;
}
