import { describe, expect, it } from 'vitest';
import {
  admissionOutsidePeriod,
  capGrant,
  computeSubsidy,
  enrolmentDeadline,
  enrolmentOpen,
  relateStays,
} from '../../src/rules/index.js';
import { policy, SEED } from './policies.js';

const hainan = policy('hainan-2');

describe('relateStays: the same stay, overlapping stays, a transfer', () => {
  const a = { admittedOn: '2017-02-03', dischargedOn: '2017-02-10' };
  it.each([
    [a, 'same'],
    [{ admittedOn: '2017-02-05', dischargedOn: '2017-02-12' }, 'overlap'],
    [{ admittedOn: '2017-02-04', dischargedOn: '2017-02-06' }, 'overlap'],
    [{ admittedOn: '2017-01-20', dischargedOn: '2017-02-03' }, 'adjacent'],
    [{ admittedOn: '2017-02-10', dischargedOn: '2017-02-15' }, 'adjacent'],
    [{ admittedOn: '2017-02-10', dischargedOn: '2017-02-10' }, 'overlap'],
    [{ admittedOn: '2017-02-11', dischargedOn: '2017-02-15' }, 'apart'],
    [{ admittedOn: '2017-01-01', dischargedOn: '2017-02-02' }, 'apart'],
  ] as const)('%o is %s', (b, rel) => {
    expect(relateStays(a, b)).toBe(rel);
    expect(relateStays(b, a)).toBe(rel);
  });
});

describe(`capGrant: paid + approved + this claim never exceed the cap (80 000 元, ${SEED.hainan})`, () => {
  it('two stays of 20万 self-paid: the second gets only what the first left', () => {
    const stay = { totalFen: 20_000_000, basicInsuranceFen: 0, selfPaidFen: 20_000_000, majorIllness: false };
    const uncapped = computeSubsidy(hainan, stay, { paidThisPeriodFen: 0 }).uncappedFen;
    expect(uncapped).toBe(13_800_000);
    // the demo member was paid 4 280 元: each claim alone would be estimated 75 720 元
    const first = capGrant(hainan, uncapped, 428_000);
    expect(first.grantedFen).toBe(7_572_000);
    expect(first.capRemainingFen).toBe(0);
    const second = capGrant(hainan, uncapped, 428_000 + first.grantedFen);
    expect(second).toMatchObject({ grantedFen: 0, roomFen: 0, cappedBy: uncapped });
  });
  it('below the cap the stay gets its full amount', () => {
    expect(capGrant(hainan, 428_000, 0)).toEqual({
      grantedFen: 428_000,
      uncappedFen: 428_000,
      roomFen: 8_000_000,
      cappedBy: 0,
      capRemainingFen: 7_572_000,
    });
  });
  it('refuses amounts that are not integer fen', () => {
    expect(() => capGrant(hainan, 1.5, 0)).toThrow(RangeError);
    expect(() => capGrant(hainan, 100, -1)).toThrow(RangeError);
  });
});

describe(`enrolment deadline: the roster closes at the end of March 2017 (extended, ${SEED.hainan})`, () => {
  it('is open on the day and closed the day after', () => {
    expect(enrolmentDeadline(hainan)).toBe('2017-03-31');
    expect(enrolmentOpen(hainan, '2017-03-31')).toBe(true);
    expect(enrolmentOpen(hainan, '2017-04-01')).toBe(false);
    expect(enrolmentOpen(hainan, '2017-04-09')).toBe(false);
  });
});

describe('admissionOutsidePeriod', () => {
  it('names the period start or end', () => {
    expect(admissionOutsidePeriod(hainan, '2016-12-31')).toContain('早于第二期开始日期 2017-01-01');
    expect(admissionOutsidePeriod(hainan, '2018-01-01')).toContain('晚于第二期结束日期 2017-12-31');
    expect(admissionOutsidePeriod(hainan, '2017-06-01')).toBeNull();
  });
});
