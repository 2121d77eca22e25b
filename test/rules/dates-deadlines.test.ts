import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysBetween,
  deadlineCountdown,
  dueAnnouncements,
  isLocalDate,
  percentText,
  shanghaiDate,
  shanghaiInstant,
  shanghaiStamp,
  shanghaiTime,
  yuanText,
} from '../../src/rules/index.js';
import { policy, SEED, withPolicy } from './policies.js';

describe('dates in Asia/Shanghai', () => {
  it.each([
    ['2020-12-30T15:59:59Z', '2020-12-30', '23:59'],
    ['2020-12-30T16:00:00Z', '2020-12-31', '00:00'],
    ['2017-03-19T16:00:00.000Z', '2017-03-20', '00:00'],
    ['2017-03-20T01:00:00Z', '2017-03-20', '09:00'],
  ])('%s is %s %s in Shanghai', (iso, date, time) => {
    expect(shanghaiDate(new Date(iso))).toBe(date);
    expect(shanghaiTime(new Date(iso))).toBe(time);
    expect(shanghaiStamp(new Date(iso))).toBe(`${date} ${time}`);
  });

  it('shanghaiInstant is the inverse', () => {
    expect(shanghaiInstant('2017-03-20', '09:00').toISOString()).toBe('2017-03-20T01:00:00.000Z');
    expect(shanghaiInstant('2020-12-31').toISOString()).toBe('2020-12-30T16:00:00.000Z');
    expect(() => shanghaiInstant('2020-12-31', '9:00')).toThrow('not an HH:MM time');
  });

  it.each([
    ['2017-03-20', 11, '2017-03-31'],
    ['2020-12-30', 31, '2021-01-30'],
    ['2016-02-28', 1, '2016-02-29'],
    ['2017-03-01', -1, '2017-02-28'],
  ])('addDays(%s, %i) = %s', (d, n, expected) => {
    expect(addDays(d, n)).toBe(expected);
    expect(daysBetween(d, expected)).toBe(n);
  });

  it('refuses what is not a date', () => {
    expect(isLocalDate('2017-02-29')).toBe(false);
    expect(isLocalDate('2016-02-29')).toBe(true);
    expect(isLocalDate('2016-2-9')).toBe(false);
    expect(() => addDays('2017-02-30', 1)).toThrow('not a YYYY-MM-DD date');
  });
});

describe('money and ratio text', () => {
  it.each([
    [428_000, '4280'],
    [322_199, '3221.99'],
    [10, '0.1'],
    [5, '0.05'],
    [-150, '-1.5'],
    [0, '0'],
  ])('yuanText(%i) = %s', (fen, text) => {
    expect(yuanText(fen)).toBe(text);
  });
  it.each([
    [8593, '85.93%'],
    [10_000, '100%'],
    [60, '0.6%'],
    [5, '0.05%'],
  ])('percentText(%i) = %s', (bp, text) => {
    expect(percentText(bp)).toBe(text);
  });
});

describe(`deadlineCountdown (${SEED.yunnan14})`, () => {
  it('lists the timeline by date with days left, negative when past', () => {
    const c = deadlineCountdown(policy('yunnan-14'), new Date('2018-02-09T17:00:00Z')); // 2018-02-10 01:00 Shanghai
    expect(c.map((e) => [e.key, e.daysLeft])).toEqual([
      ['mobilisation_start', -71],
      ['roster_open', -57],
      ['period_start', -40],
      ['roster_close', 0],
      ['summary_mailed', 13],
      ['remit_deadline', 13],
      ['books_closed', 13],
      ['period_end', 324],
      ['claim_cutoff', 505],
    ]);
    expect(c[3]).toEqual({ key: 'roster_close', label: '参互系统填报截止', date: '2018-02-10', daysLeft: 0 });
  });

  it(`Hainan on the notice's date: the extended deadline is 11 days ahead (${SEED.hainan})`, () => {
    const c = deadlineCountdown(policy('hainan-2'), shanghaiInstant('2017-03-20', '10:00'));
    expect(c.find((e) => e.key === 'roster_close')?.daysLeft).toBe(11);
  });
});

describe(`dueAnnouncements at T-7/T-3/T-1/T-0 (${SEED.zhangjiakou})`, () => {
  const zjk = policy('zhangjiakou-13');
  it.each([
    [
      '2020-12-23',
      [
        ['fundraising_due', 7],
        ['claim_cutoff', 7],
      ],
    ],
    [
      '2020-12-27',
      [
        ['fundraising_due', 3],
        ['claim_cutoff', 3],
      ],
    ],
    [
      '2020-12-30',
      [
        ['fundraising_due', 0],
        ['claim_cutoff', 0],
      ],
    ],
    ['2020-12-31', []],
    ['2021-01-29', [['payout_deadline', 1]]],
    ['2021-02-06', [['report_due', 0]]],
    ['2020-11-10', []], // mobilisation_start is not announced (announce: false)
  ] as [string, [string, number][]][])('%s', (today, expected) => {
    expect(dueAnnouncements(zjk, today).map((e) => [e.key, e.daysBefore])).toEqual(expected);
  });

  it('carries label and date, sorted by date, and follows the policy’s offsets', () => {
    const p = withPolicy('zhangjiakou-13', { broadcasts: { announceDaysBefore: [10] } });
    expect(dueAnnouncements(p, '2021-01-27')).toEqual([
      { key: 'report_due', label: '报送2020年度运行情况统计表', date: '2021-02-06', daysBefore: 10 },
    ]);
    expect(dueAnnouncements(p, '2021-01-20')).toEqual([
      { key: 'payout_deadline', label: '2020年度补助金全部支付到位', date: '2021-01-30', daysBefore: 10 },
    ]);
    const both = withPolicy('zhangjiakou-13', { broadcasts: { announceDaysBefore: [32, 39] } });
    expect(dueAnnouncements(both, '2020-12-29').map((e) => e.key)).toEqual(['payout_deadline', 'report_due']);
  });
});
