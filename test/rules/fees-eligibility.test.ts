import { describe, expect, it } from 'vitest';
import { checkEligibility, feeFor, orgMayJoin } from '../../src/rules/index.js';
import { policy, SEED, withPolicy } from './policies.js';

describe('feeFor', () => {
  const table: [string, string, boolean, number, string][] = [
    [SEED.yunnan14, 'yunnan-14', true, 12_000, '续互'],
    [SEED.yunnan14, 'yunnan-14', false, 15_000, '新参'],
    [SEED.yunnan12, 'yunnan-12', true, 8000, '续互'],
    [SEED.yunnan12, 'yunnan-12', false, 10_000, '新参'],
    [SEED.keqiao, 'keqiao-2019', false, 6000, '新参'],
  ];
  it.each(table)(
    '%s: %s, participated last period %s → %i 分 %s',
    (_seed, name, participatedLastPeriod, feeFen, label) => {
      expect(feeFor(policy(name), { participatedLastPeriod })).toEqual({
        feeFen,
        kind: participatedLastPeriod ? 'renewal' : 'new',
        label,
      });
    },
  );
});

describe('checkEligibility', () => {
  const ok = {
    status: 'in_service',
    hasBasicInsurance: true,
    hasCriticalIllnessInsurance: true,
    participatedLastPeriod: false,
  } as const;

  it(`retired staff with both insurances may join Yunnan 12th (${SEED.yunnan12})`, () => {
    expect(checkEligibility(policy('yunnan-12'), { ...ok, status: 'retired' })).toEqual({ ok: true });
  });

  it(`Yunnan 12th needs critical-illness insurance too (${SEED.yunnan12})`, () => {
    const r = checkEligibility(policy('yunnan-12'), { ...ok, hasCriticalIllnessInsurance: false });
    expect(r).toEqual({ ok: false, reasons: [expect.stringContaining('大病补充医疗保险')] });
  });

  it(`Yunnan 14th does not ask for it (${SEED.yunnan14})`, () => {
    expect(checkEligibility(policy('yunnan-14'), { ...ok, hasCriticalIllnessInsurance: false })).toEqual({ ok: true });
  });

  it(`every reason is listed, in Chinese (${SEED.yunnan12})`, () => {
    const r = checkEligibility(policy('yunnan-12'), {
      ...ok,
      hasBasicInsurance: false,
      hasCriticalIllnessInsurance: false,
    });
    expect(r.ok ? [] : r.reasons).toEqual([
      expect.stringContaining('城镇职工基本医疗保险'),
      expect.stringContaining('大病补充医疗保险'),
    ]);
  });

  describe(`Yunnan 21st: 55 or over only if in the previous period (RULES §12, policy on ${SEED.yunnan14})`, () => {
    const p = withPolicy('yunnan-14', { eligibility: { renewalOnlyFromAge: 55 } });
    const table: [number | undefined, boolean, boolean][] = [
      [54, false, true],
      [55, false, false],
      [55, true, true],
      [63, true, true],
      [undefined, false, true],
    ];
    it.each(table)('age %s, participated last period %s → ok %s', (age, participatedLastPeriod, expected) => {
      const r = checkEligibility(p, { ...ok, participatedLastPeriod, ...(age === undefined ? {} : { age }) });
      expect(r.ok).toBe(expected);
      if (!r.ok)
        expect(r.reasons).toEqual(['年满 55 周岁的职工，只有参加了上一期才能继续参加本期，您上一期没有参加。']);
    });
    it('no age rule in the shipped Yunnan 14th policy', () => {
      expect(checkEligibility(policy('yunnan-14'), { ...ok, age: 70 })).toEqual({ ok: true });
    });
  });
});

describe('orgMayJoin', () => {
  const table: [string, string, number, number, boolean, number, number][] = [
    [SEED.yunnan14, 'yunnan-14', 600, 1000, true, 6000, 6000],
    [SEED.yunnan14, 'yunnan-14', 599, 1000, false, 5990, 6000],
    [SEED.yunnan14, 'yunnan-14', 2, 3, true, 6666, 6000],
    [SEED.hainan, 'hainan-2', 400, 1000, true, 4000, 4000],
    [SEED.hainan, 'hainan-2', 399, 1000, false, 3990, 4000],
  ];
  it.each(table)(
    '%s: %s, %i of %i in service → ok %s (%i bp of %i bp)',
    (_s, name, inServiceParticipants, insuredHeadcount, ok, ratioBp, requiredBp) => {
      const r = orgMayJoin(policy(name), { inServiceParticipants, insuredHeadcount });
      expect(r).toMatchObject({ ok, ratioBp, requiredBp });
      expect('reason' in r).toBe(!ok);
    },
  );

  it(`the refusal names the shortfall (${SEED.yunnan14})`, () => {
    expect(orgMayJoin(policy('yunnan-14'), { inServiceParticipants: 599, insuredHeadcount: 1000 }).reason).toBe(
      '在职职工参加比例为 59.9%，未达到参加基本医疗保险人数的 60%（至少需要 600 人，现有 599 人）。',
    );
  });

  it(`an organisation with no insured staff cannot join (${SEED.yunnan14})`, () => {
    expect(orgMayJoin(policy('yunnan-14'), { inServiceParticipants: 0, insuredHeadcount: 0 })).toMatchObject({
      ok: false,
      ratioBp: 0,
      reason: expect.stringContaining('为 0'),
    });
  });

  it(`Yunnan 21st: units of 10 or fewer need everyone (RULES §12, policy on ${SEED.yunnan14})`, () => {
    const p = withPolicy('yunnan-14', { eligibility: { smallOrg: { maxHeadcount: 10, ratioBp: 10_000 } } });
    expect(orgMayJoin(p, { inServiceParticipants: 9, insuredHeadcount: 10 })).toMatchObject({
      ok: false,
      requiredBp: 10_000,
    });
    expect(orgMayJoin(p, { inServiceParticipants: 10, insuredHeadcount: 10 })).toMatchObject({ ok: true });
    expect(orgMayJoin(p, { inServiceParticipants: 7, insuredHeadcount: 11 })).toMatchObject({
      ok: true,
      requiredBp: 6000,
    });
  });
});
