import { describe, expect, it } from 'vitest';
import { claimWindow } from '../../src/rules/index.js';
import { policy, SEED, withPolicy } from './policies.js';

/** an instant given as Shanghai wall-clock time */
const at = (local: string) => new Date(`${local}+08:00`);

describe(`claimWindow, Zhangjiakou: 2020 claims close on 2020-12-30 except cross-period ones (${SEED.zhangjiakou})`, () => {
  const zjk = policy('zhangjiakou-13');
  const table: [string, string, Date, string, boolean | string][] = [
    // admitted, discharged, submitted (Shanghai), →  crossPeriod flag when open, or a fragment of the reason
    ['2020-03-01', '2020-03-10', at('2020-03-12T09:00'), 'open', false],
    ['2020-12-01', '2020-12-10', new Date('2020-12-30T15:59:00Z'), 'open at 23:59 Shanghai on the cut-off day', false],
    [
      '2020-12-01',
      '2020-12-10',
      new Date('2020-12-30T16:30:00Z'),
      'closed at 00:30 Shanghai the next day',
      '第十三期的补助申请已于 2020-12-30 截止受理。',
    ],
    ['2020-12-20', '2021-01-05', at('2021-01-08T10:00'), 'cross-period stay: open after the cut-off', true],
    [
      '2020-12-31',
      '2021-01-02',
      at('2021-01-03T10:00'),
      'admitted 12-31, discharged after the cut-off: cross-period',
      true,
    ],
    [
      '2019-12-25',
      '2020-01-03',
      at('2020-01-05T10:00'),
      'admitted before the period start',
      '入院日期 2019-12-25 早于第十三期开始日期 2020-01-01',
    ],
    [
      '2021-01-02',
      '2021-01-05',
      at('2021-01-06T10:00'),
      'admitted after the period end',
      '晚于第十三期结束日期 2020-12-31',
    ],
    [
      '2020-05-10',
      '2020-05-01',
      at('2020-05-12T10:00'),
      'discharge before admission',
      '出院日期 2020-05-01 早于入院日期 2020-05-10',
    ],
    ['2020-05-01', '2020-05-20', at('2020-05-12T10:00'), 'not yet discharged', '出院日期 2020-05-20 还没到'],
  ];
  it.each(table)(
    'admitted %s, discharged %s, submitted %o: %s',
    (admissionDate, dischargeDate, submittedAt, _what, expected) => {
      const w = claimWindow(zjk, { admissionDate, dischargeDate, submittedAt });
      if (typeof expected === 'boolean') expect(w).toEqual({ open: true, crossPeriod: expected });
      else expect(w.open ? '' : w.reason).toContain(expected);
    },
  );

  it('without cross-period claims, a stay discharged after the cut-off is refused with the date', () => {
    const p = withPolicy('zhangjiakou-13', { claims: { crossPeriodAllowed: false } });
    const w = claimWindow(p, {
      admissionDate: '2020-12-20',
      dischargeDate: '2021-01-05',
      submittedAt: at('2021-01-08T10:00'),
    });
    expect(w).toEqual({
      open: false,
      reason: '出院日期 2021-01-05 晚于受理截止日 2020-12-30，第十三期不办理跨期补助。',
    });
  });
});

describe(`claimWindow, opening day and days after discharge (Yunnan 21st: accepted from 2025-02-15, RULES §12; ${SEED.yunnan14})`, () => {
  const y = withPolicy('yunnan-14', { claims: { opensOn: '2018-02-15', daysAfterDischarge: 90 } });
  it('before the opening day', () => {
    const w = claimWindow(y, {
      admissionDate: '2018-01-03',
      dischargeDate: '2018-01-10',
      submittedAt: at('2018-02-14T10:00'),
    });
    expect(w).toEqual({ open: false, reason: '第十四期的补助申请自 2018-02-15 起受理。' });
  });
  it('on the opening day', () => {
    expect(
      claimWindow(y, { admissionDate: '2018-01-03', dischargeDate: '2018-01-10', submittedAt: at('2018-02-15T08:00') }),
    ).toEqual({ open: true, crossPeriod: false });
  });
  it('90 days after discharge is the last day', () => {
    expect(
      claimWindow(y, { admissionDate: '2018-03-01', dischargeDate: '2018-03-10', submittedAt: at('2018-06-08T10:00') })
        .open,
    ).toBe(true);
    const w = claimWindow(y, {
      admissionDate: '2018-03-01',
      dischargeDate: '2018-03-10',
      submittedAt: at('2018-06-09T10:00'),
    });
    expect(w).toEqual({
      open: false,
      reason: '补助须在出院后 90 天内申请：出院日期 2018-03-10，申请期限至 2018-06-08。',
    });
  });
  it('opensOn null means the period start', () => {
    const p = policy('hainan-2');
    expect(
      claimWindow(p, { admissionDate: '2017-01-01', dischargeDate: '2017-01-01', submittedAt: at('2017-01-01T00:00') }),
    ).toEqual({ open: true, crossPeriod: false });
  });

  it(`a cross-period claim closes on the policy's last day for it, not never (${SEED.zhangjiakou})`, () => {
    const zjk = policy('zhangjiakou-13');
    const stay = { admissionDate: '2020-12-20', dischargeDate: '2021-01-05' };
    expect(claimWindow(zjk, { ...stay, submittedAt: new Date('2021-06-30T10:00:00+08:00') }).open).toBe(true);
    expect(claimWindow(zjk, { ...stay, submittedAt: new Date('2021-07-01T10:00:00+08:00') })).toEqual({
      open: false,
      reason: '第十三期的跨期补助申请已于 2021-06-30 截止受理。',
    });
  });
});
