/**
 * Date slot: calendar dates in a chat message, as 'YYYY-MM-DD' in Asia/Shanghai (UTC+8, no DST). Pure, no I/O.
 *
 * chrono-node's zh parser reads 3月5日 / 三月五号 / 2020年12月30日 / 2020-12-30 / 今天 / 昨天 / 前天 / 大前天 and
 * ranges (3月1日-3月5日). Its relative words use the process's local time zone, so it gets a reference Date whose
 * *local* calendar day is today's day in Shanghai (local noon), and only the calendar components are read back.
 * Handled here: 2020/12/30, 3.5 and 3/5 (month.day), 上周五 / 本周三 / 周五 (weeks start on Monday: 上周五 is Friday
 * of the previous Monday–Sunday week; a bare 周五 is the most recent Friday, today included), 去年/前年 before a
 * chrono month-day, and a bare day 5号 / 5日 (most recent past 5th).
 * A date without a year resolves to its most recent past occurrence (today included): hospital stays are in the past.
 */
import * as chrono from 'chrono-node';
import { fold, MAX_SLOT_SCAN } from '../normalise.js';

export interface DateMatch {
  /** 'YYYY-MM-DD' */
  date: string;
  index: number;
  length: number;
}

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 86400 * 1000;

interface Ymd {
  y: number;
  m: number;
  d: number;
}

/** Today's calendar day in Shanghai. */
export function shanghaiToday(now: Date): Ymd {
  const t = new Date(now.getTime() + SHANGHAI_OFFSET_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function valid(y: number, m: number, d: number): boolean {
  if (!(m >= 1 && m <= 12 && d >= 1 && d <= 31 && y >= 1900 && y <= 2200)) return false;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function fmt(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function addDays(day: Ymd, n: number): string {
  const t = new Date(Date.UTC(day.y, day.m - 1, day.d) + n * DAY_MS);
  return fmt(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** month-day with no year → most recent past occurrence (today counts); null if it is no date (2月30日). */
function pastMonthDay(m: number, d: number, today: Ymd): string | null {
  let y = today.y;
  if (m > today.m || (m === today.m && d > today.d)) y -= 1;
  // 2月29日 in a non-leap year: go back to the last leap year
  for (let i = 0; i < 8 && !valid(y, m, d); i++) y -= 1;
  return valid(y, m, d) ? fmt(y, m, d) : null;
}

const YMD = /(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*[日号]?/g;
const MD = /(?<![\d.¥/-])(\d{1,2})[./](\d{1,2})(?![\d.%万千百元块wk/-])/g;
const CN_MD = /(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]/g;
const WEEK = /(上上|上|这|本|下)?(?:个)?(周|星期|礼拜)([一二三四五六日天1-7])/g;
const BARE_DAY =
  /(?<![\d月.#/第-])([12]?\d|3[01]|[一二三四五六七八九十]|十[一二三四五六七八九]|二十[一二三四五六七八九]?|三十一?)[号日](?![楼床线门房室机位院])/g;
const CN_SMALL: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };
const WEEKDAY: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7 };
/** Text worth giving to chrono (it is ~50× slower than a regex test). */
const CHRONO_HINT = /月|昨|前天|今天|今日|明天|后天|天前/;

function smallNumber(s: string): number {
  if (/^\d+$/.test(s)) return Number(s);
  if (s.length === 1) return CN_SMALL[s] ?? 0;
  const tens = s.charAt(0) === '十' ? 1 : (CN_SMALL[s.charAt(0)] ?? 0);
  const ones = s.charAt(s.length - 1) === '十' ? 0 : (CN_SMALL[s.charAt(s.length - 1)] ?? 0);
  return tens * 10 + ones;
}

function chronoReference(today: Ymd): Date {
  // local noon of Shanghai's calendar day: chrono's 今天/昨天 use local calendar fields
  return new Date(today.y, today.m - 1, today.d, 12, 0, 0, 0);
}

function fromComponents(c: chrono.ParsedComponents, today: Ymd, yearShift: number | null): string | null {
  const m = c.get('month');
  const d = c.get('day');
  if (m === null || d === null) return null;
  if (yearShift !== null) {
    const y = today.y + yearShift;
    return valid(y, m, d) ? fmt(y, m, d) : null;
  }
  if (c.isCertain('year')) {
    const y = c.get('year');
    return y !== null && valid(y, m, d) ? fmt(y, m, d) : null;
  }
  if (c.isCertain('day') && c.isCertain('month') && !c.isCertain('weekday')) {
    // month-day: pick the past occurrence ourselves (chrono may pick the coming one)
    return pastMonthDay(m, d, today);
  }
  const y = c.get('year');
  return y !== null && valid(y, m, d) ? fmt(y, m, d) : null;
}

/**
 * Every date in the text with positions, in order of appearance. `text` may be raw or already folded.
 * Only the first MAX_SLOT_SCAN characters are scanned.
 */
export function scanDates(text: string, now: Date): DateMatch[] {
  const s = fold(text.length > MAX_SLOT_SCAN ? text.slice(0, MAX_SLOT_SCAN) : text);
  const today = shanghaiToday(now);
  const out: DateMatch[] = [];
  const taken: Array<[number, number]> = [];
  const free = (i: number, len: number) => taken.every(([a, b]) => i + len <= a || i >= b);
  const push = (date: string | null, index: number, length: number) => {
    if (date === null || !free(index, length)) return;
    out.push({ date, index, length });
    taken.push([index, index + length]);
  };

  if (/\d/.test(s)) {
    YMD.lastIndex = 0;
    for (let m = YMD.exec(s); m !== null; m = YMD.exec(s)) {
      const y = Number(m[1]);
      const mo = Number(m[2]);
      const d = Number(m[3]);
      if (valid(y, mo, d)) push(fmt(y, mo, d), m.index, m[0].length);
    }
  }
  if (/[周期拜]/.test(s)) {
    WEEK.lastIndex = 0;
    for (let m = WEEK.exec(s); m !== null; m = WEEK.exec(s)) {
      const wdChar = m[3] ?? '';
      const wd = /\d/.test(wdChar) ? Number(wdChar) : (WEEKDAY[wdChar] ?? 0);
      const todayWd = ((new Date(Date.UTC(today.y, today.m - 1, today.d)).getUTCDay() + 6) % 7) + 1; // Mon=1..Sun=7
      const monday = -(todayWd - 1);
      let offset: number;
      switch (m[1]) {
        case '上上':
          offset = monday - 14 + wd - 1;
          break;
        case '上':
          offset = monday - 7 + wd - 1;
          break;
        case '这':
        case '本':
          offset = monday + wd - 1;
          break;
        case '下':
          offset = monday + 7 + wd - 1;
          break;
        default:
          offset = wd <= todayWd ? wd - todayWd : wd - todayWd - 7;
      }
      push(addDays(today, offset), m.index, m[0].length);
    }
  }
  if (CHRONO_HINT.test(s)) {
    const ref = chronoReference(today);
    for (const r of chrono.zh.hans.parse(s, ref)) {
      let index = r.index;
      let length = r.text.length;
      let yearShift: number | null = null;
      if (r.text.startsWith('年') && index > 0) {
        const p = s.charAt(index - 1);
        yearShift = p === '去' ? -1 : p === '前' ? -2 : p === '今' ? 0 : null;
        if (yearShift !== null) {
          index -= 1;
          length += 1;
        } else {
          continue;
        }
      }
      const start = fromComponents(r.start, today, yearShift);
      if (r.end) {
        const end = fromComponents(r.end, today, yearShift);
        const split = r.text.search(/[-~到至]/);
        if (start !== null && end !== null && split > 0) {
          push(start, index, split + (index - r.index));
          push(end, r.index + split + 1, r.text.length - split - 1);
          continue;
        }
      }
      push(start, index, length);
    }
  }
  if (/\d/.test(s)) {
    // month-day chrono drops (2月29日 when the reference year is not a leap year)
    CN_MD.lastIndex = 0;
    for (let m = CN_MD.exec(s); m !== null; m = CN_MD.exec(s)) {
      push(pastMonthDay(Number(m[1]), Number(m[2]), today), m.index, m[0].length);
    }
    MD.lastIndex = 0;
    for (let m = MD.exec(s); m !== null; m = MD.exec(s)) {
      const mo = Number(m[1]);
      const d = Number(m[2]);
      if (mo >= 1 && mo <= 12 && d >= 1 && d <= 31) push(pastMonthDay(mo, d, today), m.index, m[0].length);
    }
  }
  if (/[号日]/.test(s)) {
    BARE_DAY.lastIndex = 0;
    for (let m = BARE_DAY.exec(s); m !== null; m = BARE_DAY.exec(s)) {
      const d = smallNumber(m[1] ?? '');
      if (d < 1 || d > 31) continue;
      // most recent past day-of-month d
      let y = today.y;
      let mo = today.m;
      if (d > today.d) {
        mo -= 1;
        if (mo === 0) {
          mo = 12;
          y -= 1;
        }
      }
      for (let i = 0; i < 3 && !valid(y, mo, d); i++) {
        mo -= 1;
        if (mo === 0) {
          mo = 12;
          y -= 1;
        }
      }
      if (valid(y, mo, d)) push(fmt(y, mo, d), m.index, m[0].length);
    }
  }
  out.sort((a, b) => a.index - b.index);
  return out;
}

/** All dates in the text, 'YYYY-MM-DD', in order of appearance ("3月1日住院3月5日出院" → two dates). */
export function findDates(text: string, now: Date): string[] {
  return scanDates(text, now).map((m) => m.date);
}

/** The first date in the text as 'YYYY-MM-DD' (Asia/Shanghai), or null. */
export function parseDate(text: string, now: Date): string | null {
  return scanDates(text, now)[0]?.date ?? null;
}
