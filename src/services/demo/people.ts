/**
 * Synthetic people for the demo: invented names and invented ID numbers that pass the GB 11643 checksum.
 * Deterministic (a seeded generator), so `huzhu demo` builds the same data set every time.
 */
import { must } from '../../core/must.js';

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢符云陈吉麦'.split(
    '',
  );
const GIVEN =
  '伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国海燕文晓梅志春亮琼海丹宁欣怡浩然子涵雨桐思远嘉'.split(
    '',
  );

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticName(next: () => number): string {
  const pick = (xs: string[]) => must(xs[Math.floor(next() * xs.length)], 'a non-empty list');
  return pick(SURNAMES) + pick(GIVEN) + (next() < 0.6 ? pick(GIVEN) : '');
}

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** GB 11643-1999 check character of the first 17 digits. */
export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] ?? 0);
  return must(CHECK[sum % 11], 'CHECK has 11 entries');
}

/**
 * The n-th invented ID number of a region: birth dates walk 1960…1999 and the sequence digits make n unique.
 * (Region codes are Hainan's, 46xxxx; the numbers belong to nobody.)
 */
export function syntheticIdNumber(region: string, n: number): string {
  const days = 40 * 365;
  const born = new Date(Date.UTC(1960, 0, 1) + (n % days) * 86_400_000);
  const seq = String(Math.floor(n / days) % 1000).padStart(3, '0');
  const ymd = born.toISOString().slice(0, 10).replaceAll('-', '');
  const first17 = `${region}${ymd}${seq}`;
  return first17 + checkCharacter(first17);
}

export function birthDateOf(id: string): string {
  return `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
}
