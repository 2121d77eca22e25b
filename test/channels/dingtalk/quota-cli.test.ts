/**
 * `huzhu quota` over the DingTalk channel's quota port (issue 8 §4): used, projected for the month from the
 * schedules (the demo federation of seed 000_323d04b7f63f3eb1.txt: 47 reps, 3 categories, 1 group), held messages,
 * and `huzhu quota flush`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { planFromCounts, quotaCommand } from '../../../src/cli/quota.js';
import { type Harness, startHarness } from '../../support/dingtalk/harness.js';
import { localServerOf } from '../../support/local.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** seed 000: 21 + 22 + 4 units, each with a rep who asked for the daily line; 200 claims a month */
const demoPlan = planFromCounts({
  daysInMonth: 31,
  reps: 47,
  repsWithLines: 47,
  groups: 1,
  categories: 3,
  announcements: 8,
  claims: 200,
});

describe('huzhu quota (seed 000_323d04b7f63f3eb1.txt)', () => {
  it('shows used, the month projected from the schedules, and the give-way order', async () => {
    h = await startHarness({ now: () => new Date('2026-03-21T02:00:00Z') });
    await h.channel.sender.send({ userIds: ['rep1', 'rep2'] }, { kind: 'text', text: '排名' });
    const out: string[] = [];
    expect(await quotaCommand([], [h.channel.quotaPort], demoPlan, (s) => out.push(s))).toBe(0);
    const r = await h.channel.quotaPort.report(demoPlan);
    expect(r).toMatchObject({
      platform: 'dingtalk',
      month: '2026-03',
      used: 2,
      budget: 5_000,
      held: 0,
      exhausted: false,
      giveWay: ['personal', 'group'],
    });
    // 11 days left of March (21st included)
    expect(r.projected).toBe(2 + Math.ceil((r.monthlyNeed * 11) / 31));
    expect(r.monthlyNeed).toBeLessThan(5_000);
    expect(out.join('\n')).toMatch(/本月已用\s+2 次 \/ 额度 5000 次（0%）/);
    expect(out.join('\n')).toContain('依次暂停：个人推送 → 群消息');
    expect(out.join('\n')).toMatch(/状态\s+正常$/m);
  });

  it('flush sends what was held once the budget allows', async () => {
    h = await startHarness();
    localServerOf(h.channel).setQuotaLeft(0);
    await h.channel.sender.send({ userIds: ['rep1'] }, { kind: 'text', text: '保留' });
    const out: string[] = [];
    await quotaCommand([], [h.channel.quotaPort], demoPlan, (s) => out.push(s));
    expect(out.join('\n')).toMatch(/保留待发\s+1 条/);
    // one state, agreeing with the figures: exhausted (not 正常 beside a held message)
    expect(out.join('\n')).toMatch(/状态\s+已用完/);
    expect(out.join('\n')).not.toContain('正常');
    localServerOf(h.channel).setQuotaLeft(undefined);
    // the operator knows the month's block is lifted (e.g. a paid plan): the exhausted mark is theirs to clear
    await h.store.del(
      `dingtalk:quota:${h.channel.quota.org}:${(await h.channel.quotaPort.report(demoPlan)).month}:exhausted`,
    );
    out.length = 0;
    expect(await quotaCommand(['flush'], [h.channel.quotaPort], demoPlan, (s) => out.push(s))).toBe(0);
    expect(out).toEqual(['钉钉：已补发 1 条，仍保留 0 条']);
    expect(
      localServerOf(h.channel)
        .messagesTo('rep1')
        .map((m) => m.param.content),
    ).toEqual(['保留']);
  });

  it('refuses an unknown subcommand', async () => {
    h = await startHarness();
    const out: string[] = [];
    expect(await quotaCommand(['reset'], [h.channel.quotaPort], demoPlan, (s) => out.push(s))).toBe(2);
  });
});
