import { describe, expect, it } from 'vitest';
import { idCheckChar, maskIdNumber, maskName, maskPhone, validateIdNumber } from '../../src/rules/index.js';
import { SEED } from './policies.js';

describe(`validateIdNumber (GB 11643-1999; the 身份证号 column of the roster, ${SEED.yunnan12})`, () => {
  const valid: [string, string][] = [
    ['11010519491231002X', '1949-12-31'], // the standard's own example, check character X
    ['440524188001010014', '1880-01-01'], // the standard's second example
    ['11010519491231002x', '1949-12-31'], // a lower-case x is the same number
    [' 460100198503120029 ', '1985-03-12'],
  ];
  it.each(valid)('%s is valid, born %s', (id, birthDate) => {
    expect(validateIdNumber(id)).toEqual({ ok: true, birthDate });
  });

  const invalid: [string, string][] = [
    ['46010019850312002', '应为 18 位，现为 17 位'],
    ['4601001985031200299', '应为 18 位，现为 19 位'],
    ['46010019850312002A', '前 17 位应为数字，最后一位为数字或 X'],
    ['4601001985X3120029', '前 17 位应为数字，最后一位为数字或 X'],
    ['460100198502290020', '出生日期 19850229 不是有效日期'],
    ['460100198513010020', '出生日期 19851301 不是有效日期'],
    ['460100198503120023', '校验位不符，请核对号码是否抄错'],
    ['110105194912310021', '校验位不符，请核对号码是否抄错'],
  ];
  it.each(invalid)('%s is refused: %s', (id, reason) => {
    expect(validateIdNumber(id)).toEqual({ ok: false, reason });
  });

  it('every single-digit typo in the first 17 is caught by the check character', () => {
    const good = '11010519491231002X';
    for (let i = 0; i < 17; i++)
      for (let d = 0; d <= 9; d++) {
        const typo = `${good.slice(0, i)}${d}${good.slice(i + 1)}`;
        if (typo !== good && validateIdNumber(typo).ok) expect.fail(`${typo} passed`);
      }
    expect(idCheckChar('11010519491231002')).toBe('X');
  });
});

describe('masks for replies, cards and logs (RULES: personal data masked)', () => {
  it.each([
    ['林海燕', '林*燕'],
    ['王五', '王*'],
    ['欧阳小明', '欧**明'],
    ['李', '*'],
    ['𠀀海燕', '𠀀*燕'],
    ['', '*'],
  ])('maskName(%s) = %s', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });
  it.each([
    ['460100198503120029', '**************0029'],
    ['11010519491231002X', '**************002X'],
    ['0029', '****'],
  ])('maskIdNumber(%s) = %s', (id, masked) => {
    expect(maskIdNumber(id)).toBe(masked);
  });
  it.each([
    ['13812345678', '138****5678'],
    ['138-1234-5678', '138****5678'],
    ['+8613812345678', '+86*******5678'],
    ['66051674', '******74'], // seed 003's office telephone
    ['12', '**'],
  ])('maskPhone(%s) = %s', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
  });
});
