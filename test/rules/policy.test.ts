import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolicySchema } from '../../src/rules/index.js';
import { POLICY_DIR, policy, rawPolicy, SEED, withPolicy } from './policies.js';

const files = fs.readdirSync(POLICY_DIR).filter((f) => f.endsWith('.json'));

describe('the programmes’ policies as data', () => {
  it('ships the five programmes of the seeds', () => {
    expect(files.sort()).toEqual([
      'hainan-2.json',
      'keqiao-2019.json',
      'yunnan-12.json',
      'yunnan-14.json',
      'zhangjiakou-13.json',
      'zhangjiakou-14.json',
    ]);
  });

  it.each(files)('%s parses with PolicySchema, names its seed file and has broadcasts', (f) => {
    const raw = JSON.parse(fs.readFileSync(`${POLICY_DIR}/${f}`, 'utf8'));
    const p = PolicySchema.parse(raw);
    expect(p.sources.some((s) => /^seed 00\d_[0-9a-f]{16}\.txt$/.test(s))).toBe(true);
    expect(p.defaults.length).toBeGreaterThan(0);
    expect(raw.broadcasts).toBeDefined();
    expect(p.broadcasts.announceDaysBefore.length).toBeGreaterThan(0);
  });

  it(`hainan-2: roster_close 2017-03-31, cap 80 000 元, 40 %, target 350 000, deductible 1 000 元 (${SEED.hainan})`, () => {
    const p = policy('hainan-2');
    expect(p.timeline.find((e) => e.key === 'roster_close')?.date).toBe('2017-03-31');
    expect(p.subsidy.capFen).toBe(8_000_000);
    expect(p.eligibility.orgParticipationRatioBp).toBe(4000);
    expect(p.targets.participants).toBe(350_000);
    expect(p.subsidy.deductibleFen).toBe(100_000);
    expect(p.sources).toContain(SEED.hainan);
  });

  it(`yunnan-14: fees 150/120 元, deductible 800 元, 60 %, the §8 timeline and the 10 slogans (${SEED.yunnan14})`, () => {
    const p = policy('yunnan-14');
    expect(p.fees).toMatchObject({ newFen: 15_000, renewalFen: 12_000 });
    expect(p.subsidy.deductibleFen).toBe(80_000);
    expect(p.eligibility.orgParticipationRatioBp).toBe(6000);
    const on = Object.fromEntries(p.timeline.map((e) => [e.key, e.date]));
    expect(on).toMatchObject({
      mobilisation_start: '2017-12-01',
      roster_open: '2017-12-15',
      roster_close: '2018-02-10',
      summary_mailed: '2018-02-23',
      remit_deadline: '2018-02-23',
      books_closed: '2018-02-23',
      period_start: '2018-01-01',
      period_end: '2018-12-31',
    });
    expect(p.slogans).toHaveLength(10);
    expect(p.slogans[0]).toBe('无病我帮人，有病人帮我');
    expect(p.slogans[9]).toBe('每月十元来互助，涓涓细流惠工友');
  });

  it(`yunnan-12: fees 100/80 元, period 2016, critical-illness insurance, college deadlines (${SEED.yunnan12})`, () => {
    const p = policy('yunnan-12');
    expect(p.fees).toMatchObject({ newFen: 10_000, renewalFen: 8000 });
    expect([p.startsOn, p.endsOn]).toEqual(['2016-01-01', '2016-12-31']);
    expect(p.eligibility.requireCriticalIllnessInsurance).toBe(true);
    expect(p.subsidy.selfPaidOnly).toBe(true);
    expect(p.timeline.map((e) => e.date)).toEqual(expect.arrayContaining(['2015-11-10', '2015-11-30']));
  });

  it(`keqiao-2019: 60 元 per person, claim targets 2 % / 30 %, deadline 2019-12-20 (${SEED.keqiao})`, () => {
    const p = policy('keqiao-2019');
    expect(p.targets).toMatchObject({
      claimPersonsRatioBp: 200,
      claimAmountRatioBp: 3000,
      claimFeePerPersonFen: 6000,
      participants: 84_422,
    });
    expect(p.timeline.find((e) => e.key === 'targets_due')?.date).toBe('2019-12-20');
  });

  it(`zhangjiakou-13 (the 2020 claim year, 第十三期): cut-off 2020-12-30, payout 2021-01-30, report 2021-02-06, cross-period allowed (${SEED.zhangjiakou})`, () => {
    const p = policy('zhangjiakou-13');
    expect(p.claims).toMatchObject({ cutoffOn: '2020-12-30', payoutBy: '2021-01-30', crossPeriodAllowed: true });
    expect(p.timeline.find((e) => e.key === 'report_due')?.date).toBe('2021-02-06');
  });

  describe('the schema refuses a policy that cannot be computed', () => {
    const refusals: [string, Parameters<typeof withPolicy>[1], string][] = [
      [
        'a period ending before it starts',
        { startsOn: '2018-01-01', endsOn: '2017-12-31' },
        '期次开始日期晚于结束日期',
      ],
      ['a payout day before the cut-off', { claims: { payoutBy: '2020-12-01' } }, '支付截止日早于受理截止日'],
      [
        'bands not starting at 0',
        { subsidy: { segments: [{ fromFen: 100, toFen: null, rateBp: 5000 }] } },
        '补助分段必须从 0 起连续递增',
      ],
      [
        'a band ending where it starts',
        {
          subsidy: {
            segments: [
              { fromFen: 0, toFen: 0, rateBp: 5000 },
              { fromFen: 0, toFen: null, rateBp: 1 },
            ],
          },
        },
        '分段上限必须大于下限',
      ],
      [
        'a band after an open band',
        {
          subsidy: {
            segments: [
              { fromFen: 0, toFen: null, rateBp: 5000 },
              { fromFen: 10, toFen: null, rateBp: 1 },
            ],
          },
        },
        '补助分段必须从 0 起连续递增',
      ],
      [
        'a last band with an upper bound',
        { subsidy: { segments: [{ fromFen: 0, toFen: 100, rateBp: 5000 }] } },
        '最后一段补助分段不应设上限',
      ],
      ['a ranking push time that is no time', { broadcasts: { rankingPushAt: '25:00' } }, '时间应为 HH:MM'],
      ['a date that is no date', { startsOn: '2017/01/01' }, '日期应为 YYYY-MM-DD'],
    ];
    it.each(refusals)(`%s (${SEED.zhangjiakou})`, (_what, patch, message) => {
      expect(() => withPolicy('zhangjiakou-13', patch)).toThrow(message);
    });

    it('broadcasts are required in every policy', () => {
      const { broadcasts: _, ...raw } = rawPolicy('hainan-2');
      expect(PolicySchema.safeParse(raw).success).toBe(false);
    });
  });
});
