import { describe, expect, it } from 'vitest';
import { type ReportClaim, type RosterLine, reconcile, rosterTotals, yearReport } from '../../src/rules/index.js';
import { policy, SEED } from './policies.js';

/** a sub-union's roster under Yunnan 12th fees (seed 003): 30 续互 at 80, 5 新参 at 100, 3 未参 kept on the roster */
function roster(): RosterLine[] {
  const y = policy('yunnan-12').fees;
  return [
    ...Array.from({ length: 30 }, () => ({ kind: 'renewal' as const, feeFen: y.renewalFen })),
    ...Array.from({ length: 5 }, () => ({ kind: 'new' as const, feeFen: y.newFen })),
    ...Array.from({ length: 3 }, () => ({ kind: 'none' as const, feeFen: 0 })),
  ];
}

describe(`reconcile: remitted amount equals the roster's sum, counts match (${SEED.yunnan14}, ${SEED.zhangjiakou})`, () => {
  it(`a matching remittance: 35 persons, 2 900 元; 未参 rows count for nothing (${SEED.yunnan12})`, () => {
    expect(rosterTotals(roster())).toEqual({ persons: 35, amountFen: 290_000, differences: [] });
    expect(reconcile(roster(), { amountFen: 290_000, persons: 35, applicationPersons: 35 })).toEqual({ ok: true });
  });

  it('every difference is shown, none is fixed', () => {
    const r = reconcile(roster(), { amountFen: 280_000, persons: 34, applicationPersons: 36 });
    expect(r).toEqual({
      ok: false,
      differences: [
        {
          field: 'amountFen',
          expected: 290_000,
          actual: 280_000,
          message: '上交金额 2800 元与名册合计 2900 元不一致，相差 100 元。',
        },
        { field: 'persons', expected: 35, actual: 34, message: '上交人数 34 人与名册参互人数 35 人不一致。' },
        {
          field: 'applicationPersons',
          expected: 35,
          actual: 36,
          message: '团体申请表人数 36 人与名册参互人数 35 人不一致。',
        },
      ],
    });
  });

  it(`a 未参 row with a fee is a difference (${SEED.yunnan12})`, () => {
    const rows = roster();
    rows[36] = { kind: 'none', feeFen: 8000 };
    const r = reconcile(rows, { amountFen: 290_000, persons: 35 });
    expect(r.ok ? [] : r.differences).toEqual([
      { field: 'roster[36].feeFen', expected: 0, actual: 8000, message: '名册第 37 行为“未参”，却填有交费 80 元。' },
    ]);
  });

  it(`totals can be passed instead of rows: Yunnan 14th office, 1 000 renewals and 200 new (${SEED.yunnan14})`, () => {
    const amountFen = 1000 * 12_000 + 200 * 15_000;
    expect(reconcile({ persons: 1200, amountFen }, { amountFen, persons: 1200 })).toEqual({ ok: true });
    const r = reconcile({ persons: 1200, amountFen }, { amountFen: amountFen + 3000, persons: 1200 });
    expect(r.ok ? '' : r.differences[0]?.message).toBe('上交金额 150030 元与名册合计 150000 元不一致，相差 30 元。');
  });
});

describe(`yearReport: the attachment 1 figures (${SEED.zhangjiakou}, RULES §10)`, () => {
  const claims: ReportClaim[] = [
    { memberId: 1, majorIllness: false, subsidyFen: 428_000, approvedOn: '2020-03-10', paidOn: '2020-03-20' },
    { memberId: 1, majorIllness: true, subsidyFen: 1_200_000, approvedOn: '2020-08-01', paidOn: '2020-08-15' },
    { memberId: 2, majorIllness: true, subsidyFen: 500_000, approvedOn: '2020-11-01', paidOn: '2020-11-05' },
    { memberId: 3, majorIllness: false, subsidyFen: 30_000, approvedOn: '2020-12-29', paidOn: null }, // approved, unpaid
    { memberId: 4, majorIllness: false, subsidyFen: 70_000, approvedOn: '2020-12-30', paidOn: '2021-01-20' }, // paid after 12-30
    { memberId: 5, majorIllness: false, subsidyFen: 99_000, approvedOn: null, paidOn: null }, // still pending: not counted
    { memberId: 6, majorIllness: false, subsidyFen: 11_000, approvedOn: '2019-12-20', paidOn: '2019-12-28' }, // last year
    { memberId: 7, majorIllness: false, subsidyFen: 22_000, approvedOn: '2020-12-31', paidOn: null }, // approved after the day
  ];
  const input = {
    year: 2020,
    enrolments: [
      ...Array.from({ length: 100 }, () => ({ kind: 'renewal' as const, feeFen: 10_000 })),
      { kind: 'new' as const, feeFen: 10_000, paid: false },
      { kind: 'none' as const, feeFen: 0 },
    ],
    remittances: [{ date: '2020-12-20', amountFen: 600_000 }],
    returns: [
      { date: '2020-06-30', amountFen: 2_000_000 },
      { date: '2021-01-05', amountFen: 999_999 },
    ],
    claims,
    openingBalanceFen: 500_000,
  };

  it('participants and funds by period, aid by calendar year up to 12-30, balance less approved-but-unpaid', () => {
    expect(yearReport(input)).toEqual({
      participants: 100,
      fundsRaisedFen: 1_000_000,
      remittedFen: 600_000,
      returnedFen: 2_000_000,
      aidedPersons: 2,
      aidPaidFen: 2_128_000,
      majorIllnessPersons: 2,
      majorIllnessPaidFen: 1_700_000,
      approvedUnpaidFen: 100_000,
      // 5 000 + 10 000 − 6 000 + 20 000 − 21 280 − 1 000
      balanceFen: 500_000 + 1_000_000 - 600_000 + 2_000_000 - 2_128_000 - 100_000,
      balanceOn: '2020-12-30',
    });
  });

  it(`seed 003's college: 34 members in hospital received 13 363.00 元 by the end of November 2015 (${SEED.yunnan12})`, () => {
    const paid = Array.from({ length: 34 }, (_, i) => ({
      memberId: i,
      majorIllness: false,
      subsidyFen: i === 0 ? 1_336_300 - 33 * 39_000 : 39_000,
      approvedOn: '2015-10-01',
      paidOn: '2015-11-20',
    }));
    const r = yearReport({
      year: 2015,
      balanceOn: '2015-11-30',
      enrolments: [],
      remittances: [],
      returns: [],
      claims: paid,
    });
    expect(r).toMatchObject({
      aidedPersons: 34,
      aidPaidFen: 1_336_300,
      majorIllnessPersons: 0,
      balanceFen: -1_336_300,
      balanceOn: '2015-11-30',
    });
  });
});
