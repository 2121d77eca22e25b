/**
 * The roster's per-row checks were made cheaper for a million rows (issue #17) without changing what they accept
 * or say: the compiled tests agree with the zod schemas they stand in for, on valid and invalid values alike, and
 * the ID hash is still HMAC-SHA256 as createHmac computes it (every stored member is found by it).
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { platformColumns } from '../../../src/channels/platforms.js';
import { hashIdNumber } from '../../../src/services/id-hash.js';
import { loadPolicyFile } from '../../../src/services/policies.js';
import { ACCOUNT, NAME, PHONE, passes, validateRow } from '../../../src/services/roster/validate.js';

const NAMES = [
  '张三',
  '欧阳·娜娜',
  '王𠮷',
  'Mary',
  'Anne-Marie',
  'O.Brien',
  '阿依古丽•买买提',
  '',
  '张'.repeat(30),
  '张'.repeat(31),
  '𠮷'.repeat(15),
  '𠮷'.repeat(16),
  '𠮷'.repeat(30),
  '𠮷'.repeat(31),
  `${'张'.repeat(29)}𠮷`,
  `${'张'.repeat(30)}𠮷`,
  '<b>x</b>',
  '张三1',
  '张\t三',
  '李 四',
  'ñame',
  '김철수',
  'テスト',
];
const PHONES = [
  '13912345678',
  '12912345678',
  '1391234567',
  '139123456789',
  '139-1234-5678',
  '',
  '１３９１２３４５６７８',
];
const ACCOUNTS = ['zhang-1', 'a.b@c_d', 'x'.repeat(64), 'x'.repeat(65), '', 'has space', '张三', 'semi;colon'];

describe('the compiled row checks', () => {
  it.each([
    ['name', NAME, passes.name, NAMES],
    ['phone', PHONE, passes.phone, PHONES],
    ['account', ACCOUNT, passes.account, ACCOUNTS],
  ] as const)('%s: the same verdict as its zod schema', (_, schema, pass, values) => {
    for (const v of values) expect([v, pass(v)]).toEqual([v, schema.safeParse(v).success]);
  });

  it("a row's errors are zod's words", () => {
    const policy = loadPolicyFile('yunnan-12');
    const r = validateRow(
      {
        line: 2,
        cells: {
          name: '张'.repeat(31),
          idNumber: '11010519491231002X',
          status: '在职',
          fee: '100',
          phone: '12345',
          'account:wecom': 'has space',
        },
      },
      policy,
      'k',
      platformColumns,
    );
    expect(r.row).toBeUndefined();
    expect(r.errors).toEqual(
      expect.arrayContaining([
        '姓名过长（最多 30 个字符）',
        '手机号应为 11 位手机号码',
        expect.stringMatching(/：账号只能包含字母、数字和 _\.@-$/),
      ]),
    );
  });
});

describe('the ID hash', () => {
  it('is HMAC-SHA256 of the trimmed, upper-cased number, for short, long and non-ASCII keys', () => {
    const keys = ['test-id-hash-key-0123456789', 'k', 'x'.repeat(64), 'y'.repeat(65), '密钥🔑'.repeat(20)];
    const ids = ['11010519491231002X', ' 11010519491231002x ', '530102199001011234', ''];
    for (const key of keys)
      for (const id of ids)
        expect(hashIdNumber(key, id)).toBe(createHmac('sha256', key).update(id.trim().toUpperCase()).digest('hex'));
  });
});
