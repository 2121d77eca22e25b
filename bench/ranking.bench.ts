/**
 * Issue 6's numbers, each next to a baseline measured in the same run:
 * - the ranking of 1 000 000 enrolments across 500 units, computed by the database (GROUP BY over the index on
 *   Enrolment(periodId, rankUnitId, kind)), on SQLite and on PostgreSQL — baseline: `SELECT count(*)` of the
 *   same period's rows; target ≤ 1 s;
 * - 10 000 personalised pushes planned and enqueued (ranking, snapshot, 10 000 rep lines rendered, three charts,
 *   the Delivery rows, the jobs: batches of whole chats' ordered messages, src/jobs/batch.ts) — baseline: enqueueing
 *   10 000 no-op jobs on the same queue; target ≤ 2.5 s on PostgreSQL + BullMQ (issue #17). Rounds of both are
 *   interleaved, so each pair sees the same load (printed: the 1-minute load average at each round; the machine is
 *   shared).
 * The data is written by set-based SQL (recursive CTE / generate_series), not a million client calls.
 */

import os from 'node:os';
import { platformLimits } from '../src/channels/platforms.js';
import { createLog } from '../src/core/log.js';
import { must } from '../src/core/must.js';
import { Templates } from '../src/core/templates.js';
import { createDb, type Db, type Provider } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrations.js';
import { JOBS } from '../src/jobs/definitions.js';
import { createJobRunner } from '../src/jobs/index.js';
import type { JobDeps, JobRunner } from '../src/jobs/types.js';
import { currentPeriod } from '../src/services/periods.js';
import { loadPolicyFile } from '../src/services/policies.js';
import { ranking } from '../src/services/progress.js';
import { createMemoryStore } from '../src/state/memory.js';
import { freshDatabaseUrl } from '../test/support/db.js';
import { setup, teardown } from '../test/support/global-setup.js';
import type { BenchResult } from './run.js';

const UNITS = 500;
const ENROLMENTS = 1_000_000;
const REPS = 10_000;
const CATEGORIES = ['市、县工会', '产业、系统工会', '省直属基层工会'];
const PUSH_AT = new Date('2017-03-20T09:00:00+08:00');

export async function fill(db: Db, provider: Provider): Promise<void> {
  const policy = loadPolicyFile('hainan-2');
  const ts = provider === 'sqlite' ? 'CURRENT_TIMESTAMP' : 'now()';
  const exec = (sql: string) => db.$executeRawUnsafe(sql);
  await exec(
    `INSERT INTO "Org" ("code","name","kind","path","groupChats","createdAt") VALUES ('F','海南省总工会','federation','/1/','{"wecom":"benchgroup"}',${ts})`,
  );
  const values = Array.from({ length: UNITS }, (_, i) => {
    const id = i + 2;
    return `('U${id}','单位${id}','office','${CATEGORIES[i % 3]}',1,${id},${id},'/1/${id}/',${2000 + (i % 97) * 30},${ts})`;
  });
  await exec(
    `INSERT INTO "Org" ("code","name","kind","category","parentId","rankUnitId","officeId","path","memberTotal","createdAt") VALUES ${values.join(',')}`,
  );
  await exec(`INSERT INTO "Programme" ("code","name","federationId") VALUES ('hainan','海南省职工医疗互助',1)`);
  const pol = JSON.stringify(policy).replaceAll("'", "''");
  await exec(
    `INSERT INTO "Period" ("programmeId","number","name","startsOn","endsOn","policy","current") VALUES (1,2,'第二期','${policy.startsOn}','${policy.endsOn}','${pol}',true)`,
  );
  await exec(
    `INSERT INTO "UnitBaseline" ("periodId","orgId","previousParticipants") SELECT 1, "id", 1000 FROM "Org" WHERE "kind" = 'office'`,
  );
  const seq = (n: number) =>
    provider === 'sqlite'
      ? `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${n}) `
      : `WITH seq(n) AS (SELECT generate_series(1, ${n})) `;
  // units get uneven shares (n % 500) and uneven completion ((n % 97) against the unit), so ranks differ
  await exec(
    `${seq(ENROLMENTS)}INSERT INTO "Member" ("name","idHash","idLast4","status","unitId","updatedAt") SELECT 'm' || n, 'h' || n, '0000', 'in_service', 2 + (n % ${UNITS}), ${ts} FROM seq`,
  );
  await exec(
    `${seq(ENROLMENTS)}INSERT INTO "Enrolment" ("periodId","memberId","unitId","rankUnitId","kind","feeFen","paid","source","updatedAt") SELECT 1, n, 2 + (n % ${UNITS}), 2 + (n % ${UNITS}), CASE WHEN (n % 97) < ((n % ${UNITS}) % 60) THEN 'none' WHEN n % 3 = 0 THEN 'new' ELSE 'renewal' END, 10000, true, 'bench', ${ts} FROM seq`,
  );
  // 10 000 reps: members 1..10 000, each rep of their own unit, with a WeCom identity
  await exec(
    `${seq(REPS)}INSERT INTO "RoleGrant" ("memberId","role","orgId") SELECT n, 'rep', 2 + (n % ${UNITS}) FROM seq`,
  );
  await exec(
    `${seq(REPS)}INSERT INTO "ChatIdentity" ("platform","userId","memberId","createdAt") SELECT 'wecom', 'rep' || n, n, ${ts} FROM seq`,
  );
  if (provider === 'postgresql') await exec('VACUUM ANALYZE');
  else await exec('ANALYZE');
}

async function best<T>(rounds: number, fn: () => Promise<T>): Promise<number> {
  let b = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    b = Math.min(b, performance.now() - t);
  }
  return b;
}

/** rounds of (no-op enqueue, push), interleaved so that both see the same load; the best and the median of each */
const ROUNDS = 3;
const median = (xs: number[]) => must([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)], 'rounds > 0');

async function benchPushes(db: Db, redisUrl: string | null) {
  const deps: JobDeps = {
    db,
    store: createMemoryStore(),
    log: createLog('silent'),
    templates: new Templates(),
    now: () => PUSH_AT,
    platforms: () => ['wecom'],
    limits: platformLimits,
  };
  const noop: number[] = [];
  const push: number[] = [];
  const planOnly: number[] = [];
  const loads: number[] = [];
  let messages = 0;
  let jobs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // a fresh queue and no rows: each round plans and enqueues the whole push again
    await db.delivery.deleteMany({});
    await db.progressSnapshot.deleteMany({});
    const prefix = `bench-${process.pid}-${Date.now()}-${round}`;
    const runner: JobRunner = createJobRunner(deps, {
      ...(redisUrl ? { redisUrl, prefix } : {}),
      schedules: false,
      worker: false,
    });
    try {
      loads.push(os.loadavg()[0] ?? 0);
      const noopStart = performance.now();
      await runner.enqueueBulk(
        Array.from({ length: REPS }, (_, i) => ({
          name: 'deliver' as const,
          data: { key: `noop:${i}` },
          opts: { jobId: `noop|${i}` },
        })),
      );
      noop.push(performance.now() - noopStart);
      const ctx = { ...deps, enqueue: runner.enqueue, enqueueBulk: runner.enqueueBulk, jobId: 'bench', attempt: 1 };
      const pushStart = performance.now();
      await JOBS['ranking.daily'].run(ctx, { date: '2017-03-20' });
      push.push(performance.now() - pushStart);
      const planned = await db.delivery.count({ where: { kind: 'ranking_push', content: { contains: '"markdown"' } } });
      if (planned !== REPS) throw new Error(`planned ${planned} rep pushes, expected ${REPS}`);
      messages = await db.delivery.count();
      jobs = ((await runner.counts()).waiting ?? 0) - REPS;
      // the same push planned with no job at all (the enqueues dropped): the floor of any queue design, so the
      // share the jobs still cost is push − this
      await db.delivery.deleteMany({});
      await db.progressSnapshot.deleteMany({});
      const nothing = async () => {};
      const planStart = performance.now();
      await JOBS['ranking.daily'].run({ ...ctx, enqueue: nothing, enqueueBulk: nothing }, { date: '2017-03-20' });
      planOnly.push(performance.now() - planStart);
    } finally {
      await runner.stop();
      if (redisUrl) {
        const { Redis } = await import('ioredis');
        const r = new Redis(redisUrl);
        const keys = await r.keys(`${prefix}:*`);
        for (let i = 0; i < keys.length; i += 1000) await r.del(...keys.slice(i, i + 1000));
        r.disconnect();
      }
    }
  }
  return {
    noopMs: Math.min(...noop),
    pushMs: Math.min(...push),
    noopMedian: median(noop),
    pushMedian: median(push),
    planOnlyMs: Math.min(...planOnly),
    planOnlyMedian: median(planOnly),
    messages,
    jobs,
    load: loads.map((l) => l.toFixed(1)).join('/'),
  };
}

async function benchProvider(provider: Provider, redisUrl: string | undefined): Promise<BenchResult[]> {
  const { url, drop } = await freshDatabaseUrl(provider);
  await applyMigrations(url);
  const db = createDb(url);
  const out: BenchResult[] = [];
  try {
    const filled = performance.now();
    await fill(db, provider);
    const fillMs = performance.now() - filled;
    const period = await currentPeriod(db);

    const countMs = await best(3, () => db.$queryRawUnsafe(`SELECT count(*) FROM "Enrolment" WHERE "periodId" = 1`));
    let units = 0;
    const rankMs = await best(3, async () => {
      const r = await ranking(db, period);
      units = r.categories.reduce((n, c) => n + c.rows.length, 0);
    });
    if (units !== UNITS) throw new Error(`ranking saw ${units} units, expected ${UNITS}`);
    out.push({
      name: `ranking, 1M enrolments / 500 units (${provider})`,
      value: rankMs,
      unit: 'ms',
      target: '≤ 1000 ms',
      note: `fill ${(fillMs / 1000).toFixed(1)} s`,
    });
    out.push({ name: `  baseline SELECT count(*) same rows (${provider})`, value: countMs, unit: 'ms' });
    out.push({ name: `  ranking / count(*) (${provider})`, value: rankMs / countMs, unit: '×' });

    // the pushes: the queue this provider is paired with (PostgreSQL with BullMQ when Redis is there)
    const useRedis = provider === 'postgresql' && redisUrl ? redisUrl : null;
    const queueName = useRedis ? 'BullMQ' : 'in-process';
    const pushes = await benchPushes(db, useRedis);
    out.push({
      name: `10 000 personalised pushes planned+enqueued (${provider}, ${queueName})`,
      value: pushes.pushMs,
      unit: 'ms',
      target: '≤ 2500 ms',
      note: `best of ${ROUNDS}, median ${Math.round(pushes.pushMedian)} ms; ${pushes.messages} messages in ${pushes.jobs} jobs; load ${pushes.load}`,
    });
    out.push({
      name: `  baseline 10 000 no-op jobs enqueued (${queueName})`,
      value: pushes.noopMs,
      unit: 'ms',
      note: `best of ${ROUNDS}, median ${Math.round(pushes.noopMedian)} ms`,
    });
    out.push({
      name: `  the same push planned, no jobs enqueued (${provider})`,
      value: pushes.planOnlyMs,
      unit: 'ms',
      note: `best of ${ROUNDS}, median ${Math.round(pushes.planOnlyMedian)} ms: the floor of any queue design`,
    });
    out.push({ name: `  pushes / no-op enqueue (${provider})`, value: pushes.pushMs / pushes.noopMs, unit: '×' });
    out.push({
      name: `  pushes / no-op enqueue, medians (${provider})`,
      value: pushes.pushMedian / pushes.noopMedian,
      unit: '×',
    });
  } finally {
    await db.$disconnect();
    await drop();
  }
  return out;
}

export async function benchRanking(): Promise<BenchResult[]> {
  const started = !process.env.TEST_REDIS_URL || !process.env.TEST_DATABASE_URL_PG;
  if (started) await setup();
  try {
    const out = await benchProvider('sqlite', process.env.TEST_REDIS_URL);
    if (process.env.TEST_PG_ADMIN_URL) out.push(...(await benchProvider('postgresql', process.env.TEST_REDIS_URL)));
    else out.push({ name: 'PostgreSQL: not installed here, skipped', value: 0, unit: '' });
    return out;
  } finally {
    if (started) await teardown();
  }
}

export default benchRanking;
