/**
 * Validates roster rows one by one (zod for shape, the rules core for ID checksum and fees) and collects every
 * error with its row number, in Chinese, so a union office can fix the file in one pass.
 */
import { z } from 'zod';
import { firstIssue } from '../../core/must.js';
import { validateIdNumber } from '../../rules/index.js';
import type { Policy } from '../../rules/policy.js';
import { hashIdNumber, idLast4 } from '../id-hash.js';
import { accountHeader, type PlatformColumn } from '../programme/columns.js';
import { accountField, type RawRow } from './read.js';

export interface RosterRow {
  line: number;
  name: string;
  idHash: string;
  idLast4: string;
  birthDate: string | null;
  status: 'in_service' | 'retired';
  /** null = 未参: stays on the roster, pays nothing (seed 003) */
  feeFen: number | null;
  phone: string | null;
  /** the person's account on each platform whose column the roster filled */
  accounts: { platform: string; userId: string }[];
  criticalIllness: boolean | null;
}

export interface RowError {
  line: number;
  message: string;
}

const NAME_CHARS = /^[\p{Script=Han}A-Za-z·•.\s]+$/u;
const PHONE_RE = /^1[3-9]\d{9}$/;
const ACCOUNT_RE = /^[A-Za-z0-9_.@-]{1,64}$/;

/** the rules and their words; `passes` below is the same rule as a plain test, for the rows that pass it */
export const NAME = z
  .string()
  .min(1, '姓名为空')
  .max(30, '姓名过长（最多 30 个字符）')
  .regex(NAME_CHARS, '姓名只能包含汉字、字母和间隔号');
export const PHONE = z.string().regex(PHONE_RE, '手机号应为 11 位手机号码');
export const ACCOUNT = z.string().regex(ACCOUNT_RE, '账号只能包含字母、数字和 _.@-');

/**
 * Each schema's verdict as a compiled test: a million-row roster is a million valid names, and zod's safeParse costs
 * a few µs each. Only a value that fails goes through zod, for its message, so the words are zod's by construction;
 * test/services/roster/fast-checks.test.ts holds each test to its schema.
 */
export const passes = {
  // zod measures a string in code points: a name of 30 characters outside the BMP (𠮷) is 60 UTF-16 units
  name: (s: string) => s.length >= 1 && (s.length <= 30 || codePoints(s) <= 30) && NAME_CHARS.test(s),
  phone: (s: string) => PHONE_RE.test(s),
  account: (s: string) => ACCOUNT_RE.test(s),
};

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

type Checked = { success: true; data: string } | { success: false; message: string };

function checked(schema: z.ZodType<string>, pass: (s: string) => boolean, s: string): Checked {
  if (pass(s)) return { success: true, data: s };
  const r = schema.safeParse(s);
  // the compiled test is stricter than zod nowhere (the test file says so); if it ever were, zod's word holds
  return r.success ? { success: true, data: r.data } : { success: false, message: firstIssue(r.error) };
}

function parseStatus(t: string | undefined): RosterRow['status'] | null {
  if (!t) return null;
  if (/^(在职|在岗|在职职工)$/.test(t)) return 'in_service';
  if (/^(退休|退休人员|离退休)$/.test(t)) return 'retired';
  return null;
}

/** "100", "100.00", "100元" → fen; "未参" → null; anything else → undefined (an error) */
function parseFee(t: string | undefined): number | null | undefined {
  if (!t) return undefined;
  if (/^未参(加|互)?$/.test(t)) return null;
  const m = /^(\d{1,6})(?:\.(\d{1,2}))?\s*元?$/.exec(t);
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

function yesNo(t: string | undefined): boolean | null {
  if (!t) return null;
  if (/^(是|有|参加|已参加|Y|y|√)$/.test(t)) return true;
  if (/^(否|无|未参加|N|n|×)$/.test(t)) return false;
  return null;
}

function yuan(fen: number): string {
  return (fen / 100).toFixed(fen % 100 === 0 ? 0 : 2);
}

export function validateRow(
  raw: RawRow,
  policy: Policy,
  hashKey: string,
  platforms: readonly PlatformColumn[],
): { row?: RosterRow; errors: string[] } {
  const errors: string[] = [];
  const c = raw.cells;
  const name = checked(NAME, passes.name, (c.name ?? '').replace(/\s+/g, ''));
  if (!name.success) errors.push(name.message);
  const id = (c.idNumber ?? '').replace(/\s+/g, '').toUpperCase();
  const idCheck = id ? validateIdNumber(id) : null;
  if (!id) errors.push('身份证号为空');
  else if (idCheck && !idCheck.ok) errors.push(`身份证号无效：${idCheck.reason}`);
  const status = parseStatus(c.status);
  if (!status) errors.push(`“在职/退休”应填“在职”或“退休”，现为“${c.status ?? ''}”`);
  const fee = parseFee(c.fee);
  const { newFen, renewalFen } = policy.fees;
  if (fee === undefined)
    errors.push(`交费金额应为 ${yuan(renewalFen)}（续互）、${yuan(newFen)}（新参）或“未参”，现为“${c.fee ?? ''}”`);
  else if (fee !== null && fee !== newFen && fee !== renewalFen)
    errors.push(`交费金额 ${yuan(fee)} 元与本期标准不符：续互 ${yuan(renewalFen)} 元，新参 ${yuan(newFen)} 元`);
  let phone: string | null = null;
  if (c.phone) {
    const p = checked(PHONE, passes.phone, c.phone.replace(/[\s-]/g, ''));
    if (p.success) phone = p.data;
    else errors.push(p.message);
  }
  const account = (t: string | undefined, label: string): string | null => {
    if (!t) return null;
    const a = checked(ACCOUNT, passes.account, t);
    if (a.success) return a.data;
    errors.push(`${label}：${a.message}`);
    return null;
  };
  const accounts = platforms.flatMap((p) => {
    const userId = account(c[accountField(p.name)], accountHeader(p));
    return userId ? [{ platform: p.name, userId }] : [];
  });
  if (errors.length || !idCheck?.ok || !status || fee === undefined || !name.success) return { errors };
  return {
    errors,
    row: {
      line: raw.line,
      name: name.data,
      idHash: hashIdNumber(hashKey, id),
      idLast4: idLast4(id),
      birthDate: idCheck.birthDate ?? null,
      status,
      feeFen: fee,
      phone,
      accounts,
      criticalIllness: yesNo(c.criticalIllness),
    },
  };
}
