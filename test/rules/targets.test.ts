import { describe, expect, it } from 'vitest';
import { claimTargetMet, claimTargets } from '../../src/rules/index.js';
import { policy, SEED } from './policies.js';

const keqiao = policy('keqiao-2019').targets;
const targetsFor = (basePersons: number) =>
  claimTargets({
    basePersons,
    feePerPersonFen: keqiao.claimFeePerPersonFen,
    personsRatioBp: keqiao.claimPersonsRatioBp,
    amountRatioBp: keqiao.claimAmountRatioBp,
  });

describe(`claimTargets: 2 % of base persons (rounded down) or 30 % of base persons × 60 元 (${SEED.keqiao}, RULES §7)`, () => {
  const table: [string, number, number, number, number][] = [
    ['柯桥街道总工会', 3400, 68, 20_400_000, 6_120_000],
    ['文旅局', 179, 3, 1_074_000, 322_200],
    ['钱清镇总工会', 3850, 77, 23_100_000, 6_930_000],
    ['广电总台', 435, 8, 2_610_000, 783_000],
    ['王坛镇总工会', 500, 10, 3_000_000, 900_000],
  ];
  it.each(table)(
    '%s: base %i → %i persons, base amount %i 分 → %i 分',
    (_unit, basePersons, persons, baseAmountFen, amountFen) => {
      expect(targetsFor(basePersons)).toEqual({ persons, baseAmountFen, amountFen });
    },
  );

  it('the amount target is rounded up to 1 分, so reaching it means reaching 30 %', () => {
    const t = claimTargets({ basePersons: 1, feePerPersonFen: 1, personsRatioBp: 200, amountRatioBp: 3000 });
    expect(t).toEqual({ persons: 0, baseAmountFen: 1, amountFen: 1 });
  });
});

describe(`claimTargetMet: either criterion meets the target (${SEED.keqiao})`, () => {
  const t = targetsFor(179); // 3 persons or 3 222 元
  const table: [number, number, boolean, boolean, boolean][] = [
    [3, 0, true, false, true],
    [2, 322_200, false, true, true],
    [2, 322_199, false, false, false],
    [5, 500_000, true, true, true],
  ];
  it.each(table)(
    '文旅局 paid %i persons, %i 分 → byPersons %s, byAmount %s, met %s',
    (paidPersons, paidFen, byPersons, byAmount, met) => {
      expect(claimTargetMet(t, { paidPersons, paidFen })).toMatchObject({ met, byPersons, byAmount });
    },
  );
  it('says so in Chinese', () => {
    expect(claimTargetMet(t, { paidPersons: 2, paidFen: 322_199 }).summary).toBe(
      '赔付 2 人（目标 3 人）、3221.99 元（目标 3222 元）：未完成',
    );
    expect(claimTargetMet(t, { paidPersons: 3, paidFen: 10 }).summary).toBe(
      '赔付 3 人（目标 3 人）、0.1 元（目标 3222 元）：已完成',
    );
  });
});
