/**
 * The month's OpenAPI budget as arithmetic (issue 8 §4): a month of the demo federation's schedules, from seed
 * 000_323d04b7f63f3eb1.txt (第二期医疗互助工作进度表: 21 city/county unions, 22 industry unions, 4 provincial
 * units = 47 reps in 3 categories, one federation group), fits under DingTalk's free 5 000 calls.
 */
import { describe, expect, it } from 'vitest';
import {
  daysInMonth,
  daysLeftInMonth,
  givesWay,
  projectedForMonth,
  projectMonth,
  type QuotaSchedule,
} from '../../../src/channels/dingtalk/quota-plan.js';

/** seed 000: the three tables of the progress notice; every rep asked for their line, every day of March */
const demoFederation: QuotaSchedule = {
  pushDays: 31,
  groups: 1,
  groupMessagesPerPush: 3, // one table per category
  chartsPerPush: 3,
  repsWithLines: 47,
  repsWithCharts: 47,
  categories: 3,
  announcements: 8, // two announced deadlines a month, each at T-7/T-3/T-1/T-0
  approvals: 440, // 10 claims a working day, two levels of approval
  apiReplies: 300,
};

describe('a month of the demo federation (seed 000_323d04b7f63f3eb1.txt)', () => {
  it('fits under 5 000 calls, with every rep getting their own line every day', () => {
    const p = projectMonth(demoFederation);
    // group: 1 × (3 tables + 3 charts) + 3 uploads = 9; reps: 47 lines; rep charts: 3 uploads + 3 + ⌊47/20⌋ = 8
    expect(p.pushPerDay).toBe(9 + 47 + 8);
    expect(p.push).toBe(64 * 31);
    expect(p.total).toBe(64 * 31 + 8 + 440 * 3 + 300);
    expect(p.total).toBeLessThan(5_000);
  });

  it('would not fit if every member of a 200-rep federation got personal lines and every card cost three calls', () => {
    expect(projectMonth({ ...demoFederation, repsWithLines: 200, repsWithCharts: 200 }).total).toBeGreaterThan(5_000);
  });

  it('the full ranking once to the group and charts batched costs a fraction of personal lines', () => {
    const groupOnly = projectMonth({ ...demoFederation, repsWithLines: 0 });
    expect(groupOnly.pushPerDay).toBe(17);
  });

  it('projects used + the rest of the month pro rata', () => {
    const p = projectMonth(demoFederation);
    expect(projectedForMonth(1_000, p, 31, 11)).toBe(1_000 + Math.ceil((p.total * 11) / 31));
    expect(daysInMonth('2026-02')).toBe(28);
    expect(daysInMonth('2028-02')).toBe(29);
    expect(daysLeftInMonth('2026-03-21')).toBe(11);
  });
});

describe('what gives way first', () => {
  const order = ['personal', 'group'] as const;
  it('nothing gives way above the reserve', () => {
    expect(givesWay('personal', 301, 300, order)).toBe(false);
    expect(givesWay('group', 301, 300, order)).toBe(false);
  });
  it('personal lines give way as soon as the reserve is touched, group tables at half of it', () => {
    expect(givesWay('personal', 300, 300, order)).toBe(true);
    expect(givesWay('group', 300, 300, order)).toBe(false);
    expect(givesWay('group', 150, 300, order)).toBe(true);
  });
  it('cards and replies, not in the order, only stop at zero', () => {
    expect(givesWay('card', 1, 300, order)).toBe(false);
    expect(givesWay('reply', 1, 300, order)).toBe(false);
    expect(givesWay('card', 0, 300, order)).toBe(true);
  });
});
