/**
 * Money slot: amounts in a chat message, as integer fen (分). Pure, no I/O, no floating point.
 *
 * Understood: 12000 / 12000元 / 12,000元 / 12000.00 / ¥300.50 / 1.2万 / 1.2万元 / 1万2 / 3千5 / 8百 / 2k / 1.5w /
 * 300块5 / 3块5毛2 / 一万二 / 一万二千 / 两千五 / 三千五百元 / 一点二万 / 壹万贰仟元.
 * Not money: negatives (-500, 负500: rejected, never turned into 500), numbers glued to a non-money unit
 * (3天, 12月, 5号, 80%, 第12期), parts of dates and times (2020-12-30, 3/5, 12:30), numbers of 10+ digits
 * without a unit (phone numbers, ids), Chinese numerals with neither a magnitude (十百千万) nor 元/块 (一下, 三天).
 */
import nzhcn from 'nzh/cn';
import { fold, MAX_SLOT_SCAN } from '../normalise.js';

export interface MoneyMatch {
  /** the amount in fen */
  fen: number;
  /** position in the (folded, 1:1) text */
  index: number;
  length: number;
  /** true for '-500' / '负500': not a valid amount, reported so callers can say so */
  negative: boolean;
}

const MAG_YUAN: Record<string, number> = { 万: 10000, w: 10000, 千: 1000, k: 1000, 百: 100 };

// Arabic-digit amounts. Groups: neg, cur, int, dec, mag, tail, tailMag, unit, jiao, fen.
const ARABIC =
  /(?<![\d.,])(?<neg>(?<![\d\p{L}])(?:-|−|负)\s*)?(?<cur>¥|rmb|人民币)?\s*(?<int>\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.(?<dec>\d+))?(?:(?<mag>[万千百wk])(?:(?<tail>\d)(?<tailMag>[千百])?(?![\d.]))?)?(?<unit>元|块|圆|rmb)?(?:(?<jiao>\d)(?:[毛角](?:(?<fenD>\d)分?)?)?(?!\d))?/gu;

const CN_DIGITS = '零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖';
const CN_ALL = `${CN_DIGITS}十百千万拾佰仟`;
const CN_RUN = new RegExp(
  `(?<neg>负)?(?<num>[${CN_DIGITS}十拾][${CN_ALL}]*(?:点[${CN_DIGITS}]+[万千百]?)?)(?<unit>元|块|圆)?(?:(?<jiao>[${CN_DIGITS}])[毛角](?:(?<fenD>[${CN_DIGITS}])分?)?)?`,
  'g',
);

// After a number, these make it something other than money (unless a money unit or 万/千 was seen).
const NOT_MONEY_AFTER =
  /^\s*(?:[年月日号天周人次个岁期楼名点时分秒%:/床层位户栋幢级倍届条项张页]|小时|分钟|星期|-\d|\.\d)/;
const NOT_MONEY_BEFORE = /(?:[#第:/]|\d[-.])\s*$/;

const CN_VALUE: Record<string, string> = {
  零: '0',
  〇: '0',
  一: '1',
  壹: '1',
  二: '2',
  两: '2',
  贰: '2',
  三: '3',
  叁: '3',
  四: '4',
  肆: '4',
  五: '5',
  伍: '5',
  六: '6',
  陆: '6',
  七: '7',
  柒: '7',
  八: '8',
  捌: '8',
  九: '9',
  玖: '9',
};
const CN_FORMAL = /[壹贰叁肆伍陆柒捌玖拾佰仟两〇]/g;
const CN_FORMAL_MAP: Record<string, string> = {
  壹: '一',
  贰: '二',
  叁: '三',
  肆: '四',
  伍: '五',
  陆: '六',
  柒: '七',
  捌: '八',
  玖: '九',
  拾: '十',
  佰: '百',
  仟: '千',
  两: '二',
  〇: '零',
};
const NEXT_LOWER: Record<string, string> = { 万: '千', 千: '百', 百: '十' };

/** Integer yuan of a Chinese numeral (一万二 → 12000, 两千五 → 2500, 三百五 → 350), or null. */
function cnIntegerYuan(s: string): number | null {
  let t = s.replace(CN_FORMAL, (c) => CN_FORMAL_MAP[c] ?? c);
  // Colloquial tail: 一万二 = 一万二千, 两千五 = 两千五百, 三百五 = 三百五十 (but 一万零五 = 10005).
  const last = t.charAt(t.length - 1);
  const prev = t.charAt(t.length - 2);
  if (t.length >= 3 && CN_VALUE[last] !== undefined && NEXT_LOWER[prev] !== undefined) t += NEXT_LOWER[prev];
  if (!/^[零一二三四五六七八九十百千万]+$/.test(t)) return null;
  if (/^[零一二三四五六七八九]{2,}$/.test(t)) {
    // digit by digit (一二零零零) — read positionally
    let v = '';
    for (const c of t) v += CN_VALUE[c] ?? '';
    return Number(v);
  }
  const n = Number(nzhcn.decodeS(t));
  return Number.isSafeInteger(n) ? n : null;
}

/** fen of `int.dec × magYuan` yuan plus jiao/fen digits, exactly; null if it has fractions of a fen or is too big. */
function toFen(intPart: string, dec: string, magYuan: number, extraFen: number): number | null {
  const digits = intPart + dec;
  if (digits.length > 15) return null;
  const n = Number(digits);
  const scale = magYuan * 100;
  const div = 10 ** dec.length;
  const num = n * scale;
  if (!Number.isSafeInteger(num) || num % div !== 0) return null;
  const fen = num / div + extraFen;
  return Number.isSafeInteger(fen) ? fen : null;
}

/**
 * Every amount in the text, in order, with positions. Negative amounts are reported with `negative: true`.
 * `text` may be raw or already folded; only the first MAX_SLOT_SCAN characters are scanned.
 */
export function scanMoney(text: string): MoneyMatch[] {
  const s = fold(text.length > MAX_SLOT_SCAN ? text.slice(0, MAX_SLOT_SCAN) : text);
  const out: MoneyMatch[] = [];
  if (/\d/.test(s)) {
    ARABIC.lastIndex = 0;
    for (let m = ARABIC.exec(s); m !== null; m = ARABIC.exec(s)) {
      const g = m.groups ?? {};
      const intPart = (g['int'] ?? '').replace(/,/g, '');
      const dec = g['dec'] ?? '';
      const mag = g['mag'];
      const hasUnit = !!(g['unit'] || g['cur'] || mag);
      const before = s.slice(Math.max(0, m.index - 3), m.index);
      if (!g['neg'] && !g['cur'] && !g['unit'] && NOT_MONEY_BEFORE.test(before)) continue;
      if (!hasUnit && NOT_MONEY_AFTER.test(s.slice(m.index + m[0].length, m.index + m[0].length + 3))) continue;
      if (!hasUnit && intPart.length >= 10) continue;
      if (!hasUnit && (g['jiao'] !== undefined || dec.length > 2)) continue;
      // jiao/fen digits only count after 元/块 (300块5, 3块5毛2)
      let extra = 0;
      if (g['jiao'] !== undefined) {
        if (!g['unit'] || mag) continue;
        extra = Number(g['jiao']) * 10 + (g['fenD'] !== undefined ? Number(g['fenD']) : 0);
      }
      let fen: number | null;
      if (mag) {
        const magYuan = MAG_YUAN[mag] ?? 1;
        fen = toFen(intPart, dec, magYuan, 0);
        if (fen !== null && g['tail'] !== undefined) {
          const tailMag = g['tailMag'] ? (MAG_YUAN[g['tailMag']] ?? 1) : magYuan / 10;
          if (dec) fen = null;
          else fen += Number(g['tail']) * tailMag * 100;
        }
      } else {
        fen = toFen(intPart, dec, 1, extra);
      }
      if (fen === null) continue;
      out.push({ fen, index: m.index, length: m[0].length, negative: !!g['neg'] });
    }
  }
  if (/[一二两三四五六七八九十壹贰叁肆伍陆柒捌玖拾]/.test(s)) {
    CN_RUN.lastIndex = 0;
    for (let m = CN_RUN.exec(s); m !== null; m = CN_RUN.exec(s)) {
      const g = m.groups ?? {};
      const num = g['num'] ?? '';
      const unit = g['unit'];
      const hasMag = /[百千万佰仟]/.test(num);
      if (!unit && !hasMag) continue;
      if (!unit && /^\s*(?:分之|[年月日号天周人次个岁期楼名点时])/.test(s.slice(m.index + m[0].length))) continue;
      if (/[第周星]$/.test(s.slice(Math.max(0, m.index - 1), m.index))) continue;
      let fen: number | null = null;
      const dot = num.indexOf('点');
      if (dot >= 0) {
        const intY = cnIntegerYuan(num.slice(0, dot));
        let rest = num.slice(dot + 1);
        const magC = rest.charAt(rest.length - 1);
        const magYuan = MAG_YUAN[magC] ?? 1;
        if (magYuan !== 1) rest = rest.slice(0, -1);
        let dec = '';
        for (const c of rest) dec += CN_VALUE[c] ?? '';
        if (intY !== null) fen = toFen(String(intY), dec, magYuan, 0);
      } else {
        const y = cnIntegerYuan(num);
        if (y !== null) {
          let extra = 0;
          if (unit && g['jiao'] !== undefined) {
            extra = Number(CN_VALUE[g['jiao']] ?? 0) * 10 + Number(g['fenD'] ? (CN_VALUE[g['fenD']] ?? 0) : 0);
          }
          fen = y * 100 + extra;
        }
      }
      if (fen === null || !Number.isSafeInteger(fen)) continue;
      out.push({ fen, index: m.index, length: m[0].length, negative: !!g['neg'] });
    }
    out.sort((a, b) => a.index - b.index);
  }
  return out;
}

/** All (non-negative) amounts in the text, in fen, in order of appearance. */
export function findMoney(text: string): number[] {
  const res: number[] = [];
  for (const m of scanMoney(text)) if (!m.negative) res.push(m.fen);
  return res;
}

/** The first amount in the text, in fen; null when there is none or it is negative ("-500" is not 500). */
export function parseMoneyFen(text: string): number | null {
  const first = scanMoney(text)[0];
  return first === undefined || first.negative ? null : first.fen;
}
