import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { createMemoryRunner } from '../../src/jobs/runner-memory.js';
import { sloganFor } from '../../src/services/broadcasts/announcements.js';
import { DEMO_GROUP_CHAT } from '../../src/services/demo/load.js';
import { demoDb, jobDeps, outboxWith, RecordingSender, textOf } from './support.js';

/** seed 002's 统一宣传标语 (002_10e5911c0266518b.txt, 附件) */
const SLOGANS = [
  '无病我帮人，有病人帮我',
  '平时献出一片爱，难时拥有互助情',
  '住院职工莫发愁，医疗互助解忧愁',
  '团结友爱力量大，医疗互助保健康',
  '互助互济献真情，惠人惠己筑安宁',
  '凝万众真情，献一片爱心',
  '每月十元融互帮互助，汇聚爱心好利人利己',
];

describe('deadline announcements at T-7, T-3, T-1 and on the day (RULES §8, seed 000 enrolment deadline extended to 2017-03-31)', () => {
  let t: Awaited<ReturnType<typeof demoDb>>;
  beforeAll(async () => {
    t = await demoDb('sqlite');
    const p = await t.db.period.findUniqueOrThrow({ where: { id: t.periodId } });
    await t.db.period.update({
      where: { id: p.id },
      data: { policy: JSON.stringify({ ...JSON.parse(p.policy), slogans: SLOGANS }) },
    });
  });
  afterAll(async () => t.drop());

  async function runOn(day: string) {
    const sender = new RecordingSender('wecom');
    const runner = createMemoryRunner(
      jobDeps(t, { outbox: outboxWith(sender), now: new Date(`${day}T09:00:00+08:00`) }),
      { schedules: false },
    );
    await runner.start();
    await runner.enqueue('deadlines.daily', {});
    await runner.idle();
    await runner.stop();
    return sender.sent;
  }

  it.each([
    ['2017-03-24', '还有 7 天'],
    ['2017-03-28', '还有 3 天'],
    ['2017-03-30', '还有 1 天'],
    ['2017-03-31', '今天'],
  ])('on %s the group hears of 参互报名截止 (%s), with a slogan of seed 002', async (day, when) => {
    const sent = await runOn(day);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.to).toEqual({ chatId: DEMO_GROUP_CHAT });
    const text = textOf(sent[0]?.msg);
    expect(text).toContain(`${when}：参互报名截止（已延长至3月31日）`);
    expect(text).toContain('2017年3月31日（星期五）');
    expect(text).toContain(`> ${sloganFor(SLOGANS, day)}`);
    expect(SLOGANS.some((s) => text.includes(s))).toBe(true);
  });

  it('says nothing on a day that is not T-n, and nothing twice on a rerun of the same day', async () => {
    expect(await runOn('2017-03-25')).toHaveLength(0);
    expect(await runOn('2017-03-24')).toHaveLength(0);
  });

  it('rotates the slogans deterministically: the same day gives the same slogan, the next day the next one', () => {
    expect(sloganFor(SLOGANS, '2017-03-24')).toBe(sloganFor(SLOGANS, '2017-03-24'));
    const i = SLOGANS.indexOf(must(sloganFor(SLOGANS, '2017-03-24'), 'a slogan from a non-empty list'));
    expect(sloganFor(SLOGANS, '2017-03-25')).toBe(SLOGANS[(i + 1) % SLOGANS.length]);
    const week = ['2017-03-24', '2017-03-25', '2017-03-26', '2017-03-27', '2017-03-28', '2017-03-29', '2017-03-30'];
    expect(new Set(week.map((d) => sloganFor(SLOGANS, d))).size).toBe(7);
    expect(sloganFor([], '2017-03-24')).toBeNull();
  });
});
