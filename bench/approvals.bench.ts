/**
 * Issues 5 and 14: time from an officer's click to the updated card the clicking officer's client shows, 50
 * approvals at once by the office's 5 officers (10 each: one person's turns run one at a time, by design), each on
 * its own claim, through signed and encrypted WeCom callbacks. The clicked card comes back in the click's passive
 * answer (update_template_card, the clicker's copy); should the answer not carry it, the queue's
 * update_template_card naming the clicker counts instead — whichever reaches WeCom (the local server) first. Next to
 * it, the same officers' plain question ("我参加了吗", answered passively), 50 at once, in the same run, timed the
 * same way: the callback posted → its answer received. Every other copy must be redrawn too before the run counts.
 */

import { Worker } from 'node:worker_threads';
import { sendApprovalCards } from '../src/bot/flows/approvals.js';
import { must } from '../src/core/must.js';
import { directCommits } from '../src/db/sqlite-direct.js';
import type { LocalWecomChannel } from '../src/local/wecom/channel.js';
import { createServices } from '../src/services/index.js';
import { currentPeriod } from '../src/services/periods.js';
import { startTestApp } from '../test/support/app.js';
import { freeDays, submitDayClaim } from '../test/support/claims.js';
import { type BuiltCallback, WecomTestClient } from '../test/support/wecom/client.js';
import { profiled as profileBench } from './profile.js';
import type { BenchResult } from './run.js';

const N = 50;
const OFFICERS = ['demo-officer-1', 'bench-officer-2', 'bench-officer-3', 'bench-officer-4', 'bench-officer-5'];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
}

/** APPROVALS_PROFILE=<dir>: a CPU profile of the app's thread over each burst (<dir>/<phase>.cpuprofile) */
const profiled = <T>(phase: string, fn: () => Promise<T>) =>
  profileBench(process.env.APPROVALS_PROFILE, phase, fn, 200);

export default async function benchApprovals(): Promise<BenchResult[]> {
  // the bench sends each officer 50 cards and 10 texts within seconds, far past WeCom's 30 a minute to one member:
  // it times the click, not WeCom's rate, so its local WeCom (and the app's pacing) take that many explicitly
  const t = await startTestApp({ schedules: false, now: () => new Date(), env: { WECOM_MEMBER_PER_MINUTE: '1000' } });
  try {
    const { app, rt } = t;
    const db = rt.db;
    const wecom = app.channels.get('wecom') as LocalWecomChannel;
    const server = must(wecom.localServer, 'the test app runs WeCom against its local server');
    const creds = wecom.credentials;
    const client = new WecomTestClient(
      { corpId: creds.corpId, token: creds.token, encodingAesKey: creds.encodingAesKey, agentId: creds.agentId },
      app.now,
    );
    /**
     * posts the callbacks at once as WeCom does, from another thread (WeCom is another machine: see http-burst.mjs);
     * each with its time from POST to the last byte of its answer, and the passive reply opened
     */
    const burst = async (cbs: BuiltCallback[]) => {
      // the process's CPU time over the burst (both threads, the worker's start included in both bursts alike):
      // unlike the latencies it barely moves with the load other processes put on the machine
      const cpu0 = process.cpuUsage();
      const worker = new Worker(new URL('./http-burst.mjs', import.meta.url), {
        workerData: { url: app.url, requests: cbs.map((c) => ({ path: c.path, body: c.body })) },
      });
      const answers = await new Promise<{ t0: number; t1: number; status: number; text: string }[]>((ok, fail) => {
        worker.once('message', ok);
        worker.once('error', fail);
      });
      const cpu = process.cpuUsage(cpu0);
      await worker.terminate();
      const cpuMs = (cpu.user + cpu.system) / 1000;
      return Object.assign(
        answers.map((a) => {
          if (a.status !== 200) throw new Error(`HTTP ${a.status}`);
          return { t0: a.t0, t1: a.t1, reply: a.text ? client.openReply(a.text) : null };
        }),
        { cpuMs },
      );
    };
    const period = await currentPeriod(db);
    const office = await db.org.findFirstOrThrow({ where: { name: '海口市总工会', kind: 'office' } });
    const unit = await db.org.findFirstOrThrow({ where: { code: 'HN-HK-DEMO' } });
    for (const [i, userId] of OFFICERS.slice(1).entries()) {
      const m = await db.member.create({
        data: {
          name: `审批员${i + 2}`,
          idHash: `bench-${userId}`,
          idLast4: '0000',
          status: 'in_service',
          unitId: unit.id,
        },
      });
      await db.roleGrant.create({ data: { memberId: m.id, role: 'officer', orgId: office.id } });
      await db.chatIdentity.create({ data: { platform: 'wecom', userId, memberId: m.id } });
    }
    const worker = await db.chatIdentity.findFirstOrThrow({ where: { platform: 'wecom', userId: 'demo-worker-1' } });
    const deps = {
      services: createServices({ db, store: app.store, log: rt.log }),
      store: app.store,
      log: rt.log,
      templates: app.templates,
      outbox: app.outbox,
      hashKey: rt.config.ID_HASH_KEY,
      now: app.now,
    };
    const cards: { id: number; cardId: string }[] = [];
    const days = await freeDays(db, period, worker.memberId, N);
    for (let i = 0; i < N; i++) {
      const day = must(days[i], 'i < days.length');
      const r = await submitDayClaim(db, period, worker.memberId, day, 'bench', app.now());
      if (!r.ok) throw new Error(`bench claim refused: ${r.reason}`);
      const { claim } = r;
      await sendApprovalCards(deps, claim.id, 1);
      const card = await db.claimCard.findFirstOrThrow({ where: { claimId: claim.id, platform: 'wecom' } });
      cards.push({ id: claim.id, cardId: card.cardId });
    }

    await app.jobs.idle();

    // baseline: the officers' quick question, 50 at once: posted → the passive answer received
    const base: number[] = [];
    const asked = await profiled('questions', () =>
      burst(
        Array.from({ length: N }, (_, i) =>
          client.seal(client.text(must(OFFICERS[i % OFFICERS.length], 'OFFICERS is not empty'), '我参加了吗')),
        ),
      ),
    );
    for (const a of asked) {
      if (!a.reply?.Content) throw new Error('the question was not answered passively');
      base.push(a.t1 - a.t0);
    }
    await app.background.idle();
    await app.jobs.idle();

    // 50 approvals at once: posted → the clicker's updated card at WeCom (passive answer, or else the queue's update)
    const started = new Map<string, { t0: number; t1: number; who: string }>();
    const who = (i: number) => must(OFFICERS[i % OFFICERS.length], 'OFFICERS is not empty');
    const commits0 = directCommits(db);
    const clicks = await profiled('clicks', () =>
      burst(
        cards.map((c, i) =>
          client.seal(
            client.cardClick(
              who(i),
              c.cardId,
              `approve:${c.id}`,
              server.issueClickCode(c.cardId),
              'button_interaction',
            ),
          ),
        ),
      ),
    );
    await Promise.all(
      cards.map(async (c, i) => {
        const { t0, t1, reply } = must(clicks[i], 'one answer per click');
        started.set(c.cardId, { t0, t1, who: who(i) });
        if (reply?.MsgType === 'update_template_card') {
          const refused = server.recordPassiveCardXml(who(i), reply.TemplateCard);
          if (refused) throw new Error(`passive card refused: ${refused.errmsg}`);
        }
      }),
    );
    const commits = directCommits(db);
    await app.background.idle();
    await app.jobs.idle();
    const lat: number[] = [];
    let passive = 0;
    for (const c of cards) {
      const s = must(started.get(c.cardId), 'every card was clicked');
      const rec = must(server.card(c.cardId), 'every card was sent');
      const seen = rec.updates.find((u) => u.to === 'all' || u.to.includes(s.who));
      if (!seen) continue;
      // in the click's answer: when that answer was in; else when the queue's update reached WeCom
      if (seen.via === 'passive') passive++;
      lat.push(seen.via === 'passive' ? s.t1 - s.t0 : Date.parse(seen.at) - s.t0);
      // every officer's copy shows the decision (the others' through the queue)
      for (const u of rec.userIds)
        if (!String(server.cardFor(c.cardId, u)?.replace_text ?? '').includes('批准'))
          throw new Error(`card ${c.cardId}: ${u}'s copy not redrawn`);
    }
    const decided = await db.claim.count({ where: { id: { in: cards.map((c) => c.id) }, status: 'approved' } });
    if (decided !== N || lat.length < N) throw new Error(`${decided} decided, ${lat.length} cards updated of ${N}`);
    return [
      {
        name: `click → updated card, ${N} concurrent approvals: p50`,
        value: pct(lat, 50),
        unit: 'ms',
        note: `${(pct(lat, 50) / pct(base, 50)).toFixed(1)}× a passive answer (p50 ${pct(base, 50).toFixed(0)} ms); ${passive}/${N} in the click's answer`,
      },
      {
        name: `click → updated card, ${N} concurrent approvals: p99`,
        value: pct(lat, 99),
        unit: 'ms',
        target: '≤ 2× a passive answer',
        note: `${(pct(lat, 99) / pct(base, 99)).toFixed(1)}× a passive answer (p99 ${pct(base, 99).toFixed(0)} ms)`,
      },
      {
        // the app serves the burst on one thread: the last answer waits for about all the burst's CPU time
        name: `CPU time of the ${N} clicks' burst, per click`,
        value: clicks.cpuMs / N,
        unit: 'ms',
        note: `${(clicks.cpuMs / asked.cpuMs).toFixed(1)}× a question's (${(asked.cpuMs / N).toFixed(1)} ms)`,
      },
      {
        // group commit (db/sqlite-direct.ts): each commit is an fsync that holds the thread
        name: `decisions per commit over the ${N} clicks (SQLite)`,
        value: (commits.works - commits0.works) / Math.max(1, commits.commits - commits0.commits),
        unit: '',
        note: `${commits.commits - commits0.commits} commits`,
      },
    ];
  } finally {
    await t.stop();
  }
}
