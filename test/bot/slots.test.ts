import { describe, expect, it } from 'vitest';
import { findDates, parseDate } from '../../src/bot/slots/dates.js';
import { findMoney, parseMoneyFen } from '../../src/bot/slots/money.js';

describe('parseMoneyFen', () => {
  it.each([
    ['12000', 1_200_000],
    ['12000元', 1_200_000],
    ['12,000元', 1_200_000],
    ['1.2万', 1_200_000],
    ['1.2万元', 1_200_000],
    ['一万二', 1_200_000],
    ['一万二千', 1_200_000],
    ['两千五', 250_000],
    ['三千五百元', 350_000],
    ['8百', 80_000],
    ['¥300.50', 30_050],
    ['￥300.50', 30_050],
    ['300块5', 30_050],
    ['3块5毛2', 352],
    ['12000.00', 1_200_000],
    ['1万2', 1_200_000],
    ['3千5', 350_000],
    ['2k', 200_000],
    ['1.5w', 1_500_000],
    ['一点二万', 1_200_000],
    ['壹万贰仟元', 1_200_000],
    ['三百五', 35_000],
    ['一万零五百', 1_050_000],
    ['１２０００元', 1_200_000],
    ['0.01元', 1],
    ['1.23456万', 1_234_560],
  ])('%s → %i fen', (text, fen) => {
    expect(parseMoneyFen(text)).toBe(fen);
  });

  it('uses integer arithmetic (no float drift)', () => {
    expect(parseMoneyFen('0.29元')).toBe(29); // 0.29 * 100 = 28.999999999999996 in floating point
    expect(parseMoneyFen('1.15万')).toBe(1_150_000);
    expect(parseMoneyFen('4.35')).toBe(435);
  });

  it('rejects negatives and things that are not money', () => {
    for (const t of [
      '-500',
      '负500',
      '-1.2万',
      '住院3天',
      '12月',
      '5号',
      '80%',
      '第12期',
      '13812345678',
      '2020-12-30',
      '3/5',
      '12:30',
      '一下',
      '三天',
      '千万别忘了',
      '百分之八十',
      '十分感谢',
      '300.505',
      '',
    ]) {
      expect(parseMoneyFen(t), t).toBeNull();
    }
  });

  it('finds every amount in order', () => {
    expect(findMoney('住院花了12000元，自付两千五，报了1.2万')).toEqual([1_200_000, 250_000, 1_200_000]);
    expect(findMoney('-500和300元')).toEqual([30_000]);
    expect(findMoney('没有金额')).toEqual([]);
  });
});

describe('parseDate (Asia/Shanghai)', () => {
  const now = new Date('2024-03-13T10:00:00+08:00'); // a Wednesday
  it.each([
    ['3月5日', '2024-03-05'],
    ['3.5', '2024-03-05'],
    ['3/5', '2024-03-05'],
    ['昨天', '2024-03-12'],
    ['前天', '2024-03-11'],
    ['大前天', '2024-03-10'],
    ['今天', '2024-03-13'],
    ['上周五', '2024-03-08'],
    ['上星期一', '2024-03-04'],
    ['周五', '2024-03-08'],
    ['2020-12-30', '2020-12-30'],
    ['２０２０－１２－３０', '2020-12-30'],
    ['2020年12月30日', '2020-12-30'],
    ['2020/12/30', '2020-12-30'],
    ['2020.12.30', '2020-12-30'],
    ['十二月三十日', '2023-12-30'],
    ['3月15日', '2023-03-15'],
    ['三月五号', '2024-03-05'],
    ['去年3月5日', '2023-03-05'],
    ['5号住院', '2024-03-05'],
    ['20号住院', '2024-02-20'],
  ])('%s → %s', (text, date) => {
    expect(parseDate(text, now)).toBe(date);
  });

  it('resolves relative dates in Shanghai, not in the process time zone', () => {
    // 2024-03-10 16:01 UTC is already 2024-03-11 00:01 in Shanghai
    expect(parseDate('今天', new Date('2024-03-10T16:01:00Z'))).toBe('2024-03-11');
    expect(parseDate('昨天', new Date('2024-03-10T16:01:00Z'))).toBe('2024-03-10');
    // 2024-03-10 15:59 UTC is still 2024-03-10 in Shanghai
    expect(parseDate('今天', new Date('2024-03-10T15:59:00Z'))).toBe('2024-03-10');
  });

  it('reads 上周X as Friday of the previous Monday–Sunday week', () => {
    const sunday = new Date('2024-03-10T10:00:00+08:00');
    expect(parseDate('上周五', sunday)).toBe('2024-03-01');
    expect(parseDate('周五', sunday)).toBe('2024-03-08');
  });

  it('resolves a year-less date to its most recent past occurrence, leap days included', () => {
    expect(parseDate('12月31日', new Date('2025-01-01T08:00:00+08:00'))).toBe('2024-12-31');
    expect(parseDate('1月1日', new Date('2025-01-01T08:00:00+08:00'))).toBe('2025-01-01');
    expect(parseDate('2月29日', new Date('2025-03-01T08:00:00+08:00'))).toBe('2024-02-29');
  });

  it('returns null for non-dates', () => {
    for (const t of ['2月30日', '12000元', '1.5万', '¥3.5', '3号楼', '你好', ''])
      expect(parseDate(t, now), t).toBeNull();
  });

  it('finds two dates in order', () => {
    expect(findDates('3月1日住院3月5日出院', now)).toEqual(['2024-03-01', '2024-03-05']);
    expect(findDates('3月1日-3月5日住院', now)).toEqual(['2024-03-01', '2024-03-05']);
    expect(findDates('2020/12/25入院，2020年12月30日出院', now)).toEqual(['2020-12-25', '2020-12-30']);
  });
});
