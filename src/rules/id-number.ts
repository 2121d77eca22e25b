/**
 * Resident ID numbers, GB 11643-1999: 6-digit area code, 8-digit birth date, 3-digit sequence, check character
 * (ISO 7064 MOD 11-2: weights 2^(17−i) mod 11, check = (12 − Σ mod 11) mod 11, 10 written X).
 */

import { must } from '../core/must.js';
import { isLocalDate } from './dates.js';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

export type IdCheck = { ok: true; birthDate: string } | { ok: false; reason: string };

export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] ?? 0);
  return must(CHECK[sum % 11], 'CHECK has 11 entries');
}

export function validateIdNumber(input: string): IdCheck {
  const id = input.trim().toUpperCase();
  if (id.length !== 18) return { ok: false, reason: `应为 18 位，现为 ${id.length} 位` };
  if (!/^\d{17}[\dX]$/.test(id)) return { ok: false, reason: '前 17 位应为数字，最后一位为数字或 X' };
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (!isLocalDate(birthDate)) return { ok: false, reason: `出生日期 ${id.slice(6, 14)} 不是有效日期` };
  if (idCheckChar(id) !== id[17]) return { ok: false, reason: '校验位不符，请核对号码是否抄错' };
  return { ok: true, birthDate };
}
