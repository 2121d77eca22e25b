/**
 * Issues 5 and 14: time from an officer's click to the updated card at the platform, 50 approvals at once by the
 * office's 5 officers (10 each: one person's turns run one at a time, by design), each on its own claim, through
 * signed and encrypted WeCom callbacks; the card update goes out through the job queue (the claim outbox). Next
 * to it, the same officers' plain question ("我参加了吗", answered passively), 50 at once, in the same run.
 */
import { sendApprovalCards } from '../src/bot/flows/approvals.js';
import { must } from '../src/core/must.js';
import type { LocalWecomChannel } from '../src/local/wecom/channel.js';
import { addDays } from '../src/rules/index.js';
import { submitClaim } from '../src/services/claims.js';
import { createServices } from '../src/services/index.js';
import { currentPeriod } from '../src/services/periods.js';
import { startTestApp } from '../test/support/app.js';
import { wecomDriver } from '../test/support/drivers/wecom.js';
import type { BenchResult } from './run.js';

const N = 50;
const OFFICERS = ['demo-officer-1', 'bench-officer-2', 'bench-officer-3', 'bench-officer-4', 'bench-officer-5'];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
}

export default async function benchApprovals(): Promise<BenchResult[]> {
  const t = await startTestApp({ schedules: false, now: () => new Date() });
  try {
    const { app, rt } = t;
    const db = rt.db;
    const wecom = app.channels.get('wecom') as LocalWecomChannel;
    const server = must(wecom.localServer, 'the test app runs WeCom against its local server');
    const d = wecomDriver(app);
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
    // one-day stays on distinct days, around the demo's paid claim (the same stay twice would be refused)
    const demoStay = await db.claim.findFirstOrThrow({ where: { memberId: worker.memberId }, orderBy: { id: 'asc' } });
    const days: string[] = [];
    for (let n = 0; days.length < N; n++) {
      const day = addDays(period.policy.startsOn, n);
      if (day < demoStay.admittedOn || day > demoStay.dischargedOn) days.push(day);
    }
    for (let i = 0; i < N; i++) {
      // one-day stays on distinct days: the same stay twice would be refused as a duplicate
      const day = must(days[i], 'i < days.length');
      const r = await submitClaim(
        db,
        period,
        {
          memberId: worker.memberId,
          hospital: '海南省人民医院',
          admittedOn: day,
          dischargedOn: day,
          totalFen: 500_000,
          basicInsuranceFen: 200_000,
          selfPaidFen: 300_000,
          majorIllness: false,
          photos: [],
        },
        'bench',
        app.now(),
      );
      if (!r.ok) throw new Error(`bench claim refused: ${r.reason}`);
      const { claim } = r;
      await sendApprovalCards(deps, claim.id, 1);
      const card = await db.claimCard.findFirstOrThrow({ where: { claimId: claim.id, platform: 'wecom' } });
      cards.push({ id: claim.id, cardId: card.cardId });
    }

    // baseline: the officers' quick question, 50 at once (passive replies)
    const base: number[] = [];
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const t0 = performance.now();
        await d.say(must(OFFICERS[i % OFFICERS.length], 'OFFICERS is not empty'), '我参加了吗');
        base.push(performance.now() - t0);
      }),
    );

    // 50 approvals at once: click → the platform holds the updated card
    const started = new Map<string, number>();
    await Promise.all(
      cards.map(async (c, i) => {
        started.set(c.cardId, Date.now());
        await d.click(must(OFFICERS[i % OFFICERS.length], 'OFFICERS is not empty'), c.cardId, `approve:${c.id}`);
      }),
    );
    const lat: number[] = [];
    for (const r of server.requests('/cgi-bin/message/update_template_card')) {
      const taskId = (r.body as { template_card?: { task_id?: string } }).template_card?.task_id;
      const t0 = taskId ? started.get(taskId) : undefined;
      if (t0 !== undefined) lat.push(Date.parse(r.at) - t0);
    }
    const decided = await db.claim.count({ where: { id: { in: cards.map((c) => c.id) }, status: 'approved' } });
    if (decided !== N || lat.length < N) throw new Error(`${decided} decided, ${lat.length} cards updated of ${N}`);
    return [
      {
        name: `click → updated card, ${N} concurrent approvals: p50`,
        value: pct(lat, 50),
        unit: 'ms',
        note: `${(pct(lat, 50) / pct(base, 50)).toFixed(1)}× a passive answer (p50 ${pct(base, 50).toFixed(0)} ms)`,
      },
      {
        name: `click → updated card, ${N} concurrent approvals: p99`,
        value: pct(lat, 99),
        unit: 'ms',
        note: `${(pct(lat, 99) / pct(base, 99)).toFixed(1)}× a passive answer (p99 ${pct(base, 99).toFixed(0)} ms)`,
      },
    ];
  } finally {
    await t.stop();
  }
}
