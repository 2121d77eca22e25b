import { describe, expect, it } from 'vitest';
import { computeSubsidy } from '../../src/rules/index.js';
import { policy, SEED, withPolicy } from './policies.js';

const claim = (
  selfPaidFen: number,
  extra: Partial<{ totalFen: number; basicInsuranceFen: number; majorIllness: boolean }> = {},
) => ({
  totalFen: extra.totalFen ?? selfPaidFen * 3,
  basicInsuranceFen: extra.basicInsuranceFen ?? selfPaidFen * 2,
  selfPaidFen,
  majorIllness: extra.majorIllness ?? false,
});
const none = { paidThisPeriodFen: 0 };

describe(`computeSubsidy, Hainan table with deductible 1 000 元 and cap 80 000 元 (${SEED.hainan}, RULES §5/§12)`, () => {
  const hainan = policy('hainan-2');
  // [self-paid fen, expected subsidy fen, why]
  const table: [number, number, string][] = [
    [0, 0, 'nothing paid'],
    [100_000, 0, 'exactly the deductible earns nothing'],
    [100_001, 1, '1 分 above: 0.5 分 rounds half-up to 1 分'],
    [100_003, 2, '3 分 above: 1.5 分 rounds half-up to 2 分'],
    [500_000, 200_000, '4 000 × 50 %'],
    [880_000, 428_000, '4 000 × 50 % + 3 800 × 60 % = 4 280 元'],
    [1_000_000, 500_000, '2 000 + 3 000'],
    [2_000_000, 1_200_000, '2 000 + 3 000 + 10 000 × 70 %'],
    [12_000_000, 8_000_000, 'reaches the 80 000 元 cap (uncapped 82 000 元)'],
  ];
  it.each(table)('self-paid %i 分 → %i 分 (%s)', (selfPaid, expected) => {
    expect(computeSubsidy(hainan, claim(selfPaid), none).subsidyFen).toBe(expected);
  });

  it('self-paid 8 800 元: the breakdown adds up and names each band', () => {
    const s = computeSubsidy(
      hainan,
      { totalFen: 2_860_000, basicInsuranceFen: 1_980_000, selfPaidFen: 880_000, majorIllness: false },
      none,
    );
    expect(s).toEqual({
      subsidyFen: 428_000,
      deductibleFen: 100_000,
      countedFen: 880_000,
      uncappedFen: 428_000,
      cappedBy: 0,
      capRemainingFen: 8_000_000 - 428_000,
      segments: [
        { fromFen: 100_000, toFen: 500_000, rateBp: 5000, amountFen: 400_000, subsidyFen: 200_000 },
        { fromFen: 500_000, toFen: 1_000_000, rateBp: 6000, amountFen: 380_000, subsidyFen: 228_000 },
        { fromFen: 1_000_000, toFen: null, rateBp: 7000, amountFen: 0, subsidyFen: 0 },
      ],
    });
  });

  it('the cap counts what was already paid this period', () => {
    const s = computeSubsidy(hainan, claim(880_000), { paidThisPeriodFen: 7_800_000 });
    expect(s).toMatchObject({ subsidyFen: 200_000, uncappedFen: 428_000, cappedBy: 228_000, capRemainingFen: 0 });
    const spent = computeSubsidy(hainan, claim(880_000), { paidThisPeriodFen: 9_000_000 });
    expect(spent).toMatchObject({ subsidyFen: 0, cappedBy: 428_000, capRemainingFen: 0 });
  });

  it('half-up rounding per band: each band is rounded on its own and the bands sum to the total', () => {
    const p = withPolicy('hainan-2', {
      subsidy: {
        deductibleFen: 0,
        segments: [
          { fromFen: 0, toFen: 3, rateBp: 5000 },
          { fromFen: 3, toFen: null, rateBp: 5000 },
        ],
      },
    });
    // 3 × 50 % = 1.5 → 2 and 2 × 50 % = 1 → 1: 3 分, where rounding the sum (2.5 → 3) would agree here …
    const s = computeSubsidy(p, claim(5), none);
    expect(s.segments.map((x) => x.subsidyFen)).toEqual([2, 1]);
    expect(s.subsidyFen).toBe(3);
    // … and 3 × 50 % twice = 2 + 2 = 4 where the whole 6 × 50 % would be 3: the rule is per band
    const p2 = withPolicy('hainan-2', {
      subsidy: {
        deductibleFen: 0,
        segments: [
          { fromFen: 0, toFen: 3, rateBp: 5000 },
          { fromFen: 3, toFen: null, rateBp: 5000 },
        ],
      },
    });
    expect(computeSubsidy(p2, claim(6), none).subsidyFen).toBe(4);
  });
});

describe(`computeSubsidy, counted amount (先自付 and 大病段, ${SEED.yunnan12})`, () => {
  it('only the self-paid part counts under 先自付', () => {
    const p = policy('yunnan-12');
    const s = computeSubsidy(
      p,
      { totalFen: 5_000_000, basicInsuranceFen: 3_000_000, selfPaidFen: 880_000, majorIllness: false },
      none,
    );
    expect(s.countedFen).toBe(880_000);
    // deductible 800 元 (default): 4 200 × 50 % + 3 800 × 60 % = 2 100 + 2 280
    expect(s.subsidyFen).toBe(438_000);
  });

  it('without 先自付, total minus basic insurance counts', () => {
    const p = withPolicy('yunnan-12', { subsidy: { selfPaidOnly: false } });
    const s = computeSubsidy(
      p,
      { totalFen: 1_080_000, basicInsuranceFen: 200_000, selfPaidFen: 500_000, majorIllness: false },
      none,
    );
    expect(s.countedFen).toBe(880_000);
    expect(
      computeSubsidy(p, { totalFen: 100, basicInsuranceFen: 200, selfPaidFen: 0, majorIllness: false }, none)
        .countedFen,
    ).toBe(0);
  });

  it('a 大病段 ceiling limits the counted amount; null leaves it alone', () => {
    const p = withPolicy('yunnan-12', { subsidy: { countedCeilingFen: 500_000 } });
    const s = computeSubsidy(p, claim(880_000, { majorIllness: true }), none);
    expect(s.countedFen).toBe(500_000);
    expect(s.subsidyFen).toBe(210_000); // (5 000 − 800) × 50 %
    expect(policy('yunnan-12').subsidy.countedCeilingFen).toBeNull();
  });
});

describe(`computeSubsidy, deductible moves, bands stay: Yunnan 14th "补助起点调整为 800 元，补助分段比例…不变" (${SEED.yunnan14})`, () => {
  it('the first band starts at the deductible', () => {
    const s = computeSubsidy(policy('yunnan-14'), claim(880_000), none);
    expect(s.segments[0]).toEqual({
      fromFen: 80_000,
      toFen: 500_000,
      rateBp: 5000,
      amountFen: 420_000,
      subsidyFen: 210_000,
    });
    expect(s.subsidyFen).toBe(438_000);
  });

  it('a band wholly below the deductible is left out of the breakdown', () => {
    const p = withPolicy('yunnan-14', {
      subsidy: { deductibleFen: 600_000 },
    });
    const s = computeSubsidy(p, claim(880_000), none);
    expect(s.segments.map((x) => x.fromFen)).toEqual([600_000, 1_000_000]);
    expect(s.subsidyFen).toBe(168_000);
  });
});

describe(`computeSubsidy, whole mode (one rate on everything above the deductible; ${SEED.hainan} table)`, () => {
  const whole = withPolicy('hainan-2', { subsidy: { mode: 'whole' } });
  const table: [number, number, number][] = [
    [100_000, 0, 0],
    [500_000, 5000, 200_000], // exactly 5 000 元 is still in the 50 % band: bands are (from, to]
    [500_001, 6000, 240_001], // 4 000.01 × 60 % = 2 400.006 → 2 400.01
    [880_000, 6000, 468_000],
    [2_000_000, 7000, 1_330_000],
  ];
  it.each(table)('self-paid %i 分 → rate %i bp, %i 分', (selfPaid, rate, expected) => {
    const s = computeSubsidy(whole, claim(selfPaid), none);
    expect(s.subsidyFen).toBe(expected);
    if (expected)
      expect(s.segments).toEqual([
        { fromFen: 100_000, toFen: selfPaid, rateBp: rate, amountFen: selfPaid - 100_000, subsidyFen: expected },
      ]);
    else expect(s.segments).toEqual([]);
  });
});

describe('computeSubsidy refuses money that is not integer fen', () => {
  const p = policy('hainan-2');
  it.each([
    ['selfPaidFen', { ...claim(0), selfPaidFen: 10.5 }],
    ['totalFen', { ...claim(0), totalFen: -1 }],
    ['basicInsuranceFen', { ...claim(0), basicInsuranceFen: Number.NaN }],
  ])('%s', (field, c) => {
    expect(() => computeSubsidy(p, c, none)).toThrow(field);
  });
  it('paidThisPeriodFen', () => {
    expect(() => computeSubsidy(p, claim(1), { paidThisPeriodFen: -5 })).toThrow('paidThisPeriodFen');
  });
});
