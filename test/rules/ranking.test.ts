import { describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { belowPreviousPeriod, rankUnits, type UnitInput } from '../../src/rules/index.js';
import { policy, SEED } from './policies.js';

/** seed 000's two printed tables: name, 第一期参加数, 第二期已完成数, printed ratio (in the printed order) */
const CITY: [string, number, number, string][] = [
  ['三沙市总工会（筹）', 441, 1852, '100%'],
  ['陵水县总工会', 5248, 9711, '44%'],
  ['琼中县总工会', 1095, 3918, '37%'],
  ['白沙县总工会', 1467, 3790, '37%'],
  ['文昌市总工会', 3395, 10712, '35%'],
  ['万宁市总工会', 6483, 9922, '33%'],
  ['海南省农垦投资控股集团有限公司工会', 32147, 22548, '29%'],
  ['澄迈县总工会', 1642, 7553, '27%'],
  ['东方市总工会', 4418, 7457, '26%'],
  ['琼海市总工会', 2145, 7566, '25%'],
  ['洋浦开发区工会', 698, 2354, '23%'],
  ['昌江县总工会', 617, 4283, '21%'],
  ['海口市总工会', 43063, 59828, '20%'],
  ['三亚市总工会', 11127, 27504, '20%'],
  ['五指山市总工会', 615, 3104, '20%'],
  ['儋州市总工会', 19802, 18040, '18%'],
  ['保亭县总工会', 943, 2831, '17%'],
  ['临高县总工会', 1978, 3418, '14%'],
  ['屯昌县总工会', 1715, 3307, '13%'],
  ['定安县总工会', 199, 1537, '8%'],
  ['乐东县总工会', 984, 1331, '7%'],
];
const INDUSTRY: [string, number, number, string][] = [
  ['电网公司工会', 10104, 9660, '100%'],
  ['农信社工会', 4308, 5661, '100%'],
  ['邮政工会', 2671, 4205, '100%'],
  ['工商工会', 3384, 2169, '100%'],
  ['人民银行海口支行工会', 0, 820, '100%'],
  ['省直属机关工会', 13496, 21580, '72%'],
  ['交通运输工会', 2431, 3644, '72%'],
  ['移动工会', 3302, 2288, '70%'],
  ['地质工会', 426, 1005, '67%'],
  ['科文卫体工会', 1352, 2306, '57%'],
  ['林业工会', 795, 1533, '50%'],
  ['工交医药工会', 3354, 4718, '32%'],
  ['财贸工会', 3243, 5303, '19%'],
  ['地税工会', 296, 291, '省本级100%'],
  ['驻琼企业工会', 1337, 1533, '19%'],
  ['盐业工会', 135, 170, '19%'],
  ['省教育工会', 0, 2901, '15%'],
  ['建设工会', 399, 636, '10%'],
  ['农行工会', 0, 240, '8%'],
  ['旅游工会', 0, 18, '0.6%'],
  ['电信、联通工会', 0, 0, ''],
  ['金融、工行、建行、中行、海南银行工会', 0, 0, ''],
];

/** a member total consistent with the printed ratio; none for a note or an empty cell */
function units(category: string, rows: [string, number, number, string][], idBase: number): UnitInput[] {
  return rows.map(([name, previousParticipants, participants, printed], i) => {
    const pct = /^([\d.]+)%$/.exec(printed);
    return {
      id: idBase + i,
      name,
      category,
      previousParticipants,
      participants,
      memberTotal: pct ? Math.round((participants * 100) / Number(pct[1])) : null,
      ...(printed && !pct ? { note: printed } : {}),
    };
  });
}

const SEED_UNITS = [...units('产业、系统工会', INDUSTRY, 100), ...units('市、县工会', CITY, 1)];

describe(`rankUnits over the Hainan 2nd-period tables of 2017-03-20 (${SEED.hainan}, RULES §6)`, () => {
  const r = rankUnits(SEED_UNITS, { target: policy('hainan-2').targets.participants });

  it('groups by category in the seed’s order whatever the input order', () => {
    expect(r.categories.map((c) => c.category)).toEqual(['市、县工会', '产业、系统工会']);
  });

  it('reproduces the printed order of the city and county table, ranks 1..21', () => {
    const city = must(r.categories[0], 'the 市、县工会 table');
    expect(city.rows.map((x) => x.name)).toEqual(CITY.map((x) => x[0]));
    expect(city.rows.map((x) => x.rank)).toEqual(CITY.map((_, i) => i + 1));
    expect(city.rows.map((x) => x.display)).toEqual([
      '100%',
      '44%',
      '37%',
      '37%',
      '35%',
      '33%',
      '29%',
      '27%',
      '26%',
      '25%',
      '23%',
      '21%',
      '20%',
      '20%',
      '20%',
      '18%',
      '17%',
      '14%',
      '13%',
      '8%',
      '7%',
    ]);
  });

  it('the special cells never crash: the note is shown, unknown ratios come last with an empty cell', () => {
    const rows = must(r.categories[1], 'the 产业、系统工会 table').rows;
    const withoutNote = INDUSTRY.filter((x) => x[3] && x[3] !== '省本级100%').map((x) => x[0]);
    expect(rows.slice(0, withoutNote.length).map((x) => x.name)).toEqual(withoutNote);
    expect(rows.slice(-3).map((x) => [x.name, x.ratioBp, x.display, x.note])).toEqual([
      ['地税工会', null, '省本级100%', '省本级100%'],
      ['电信、联通工会', null, '', undefined],
      ['金融、工行、建行、中行、海南银行工会', null, '', undefined],
    ]);
    expect(rows.find((x) => x.name === '旅游工会')?.display).toBe('0.6%');
  });

  it('category and grand totals sum the counts; the headline shows the computed 85.93 %, not the printed 85.8 %', () => {
    const sum = (rows: [string, number, number, string][], k: 1 | 2) => rows.reduce((s, x) => s + x[k], 0);
    expect(r.categories[0]?.totals).toMatchObject({ participants: sum(CITY, 2), previousParticipants: sum(CITY, 1) });
    expect(r.categories[1]?.totals).toMatchObject({
      participants: sum(INDUSTRY, 2),
      previousParticipants: sum(INDUSTRY, 1),
    });
    expect(r.totals).toEqual({
      participants: sum(CITY, 2) + sum(INDUSTRY, 2),
      previousParticipants: sum(CITY, 1) + sum(INDUSTRY, 1),
    });
    // the notice's grand total includes the third table, left out of the copy: 300 772 against 350 000
    const all = rankUnits(
      [
        ...SEED_UNITS,
        {
          id: 999,
          name: '省直属基层工会（合计）',
          category: '省直属基层工会',
          previousParticipants: 0,
          participants: 300_772 - r.totals.participants,
          memberTotal: null,
        },
      ],
      { target: 350_000 },
    );
    expect(all.categories.map((c) => c.category)).toEqual(['市、县工会', '产业、系统工会', '省直属基层工会']);
    expect(all.headline).toEqual({ participants: 300_772, target: 350_000, ratioBp: 8593, display: '85.93%' });
  });
});

describe(`rankUnits edge cases (${SEED.hainan})`, () => {
  it('other categories follow in first-seen order; ties by participants, then name, then id; member total 0 is unknown', () => {
    const r = rankUnits(
      [
        { id: 'b', name: 'B工会', category: '其他', previousParticipants: 1, participants: 5, memberTotal: 10 },
        { id: 'a', name: 'A工会', category: '其他', previousParticipants: 1, participants: 5, memberTotal: 10 },
        { id: 'c', name: 'A工会', category: '其他', previousParticipants: 1, participants: 5, memberTotal: 10 },
        { id: 'z', name: '丙', category: '再其他', previousParticipants: 0, participants: 3, memberTotal: 0 },
        { id: 'y', name: '丁', category: '再其他', previousParticipants: 0, participants: 0, memberTotal: null },
        { id: 'x', name: '戊', category: '再其他', previousParticipants: 0, participants: 1, memberTotal: 2 },
      ],
      { target: null },
    );
    expect(r.categories.map((c) => [c.category, c.rows.map((x) => `${x.rank}${x.id}`)])).toEqual([
      ['其他', ['1a', '2c', '3b']],
      ['再其他', ['1x', '2z', '3y']],
    ]);
    expect(r.categories[1]?.totals).toEqual({ participants: 4, previousParticipants: 0, memberTotal: 2 });
    expect(r.headline).toEqual({ participants: 19, target: null, ratioBp: null, display: '' });
  });

  it('an empty list ranks nothing', () => {
    expect(rankUnits([], { target: 350_000 })).toEqual({
      categories: [],
      totals: { participants: 0, previousParticipants: 0 },
      headline: { participants: 0, target: 350_000, ratioBp: 0, display: '0%' },
    });
  });
});

describe(`belowPreviousPeriod: not below the 11th period in count or percentage (${SEED.yunnan12})`, () => {
  const table: [string, Parameters<typeof belowPreviousPeriod>[0], boolean, boolean][] = [
    [
      'more people, same 96 %',
      { participants: 120, previousParticipants: 118, ratioBp: 9600, previousRatioBp: 9600 },
      false,
      false,
    ],
    ['fewer people', { participants: 117, previousParticipants: 118 }, true, false],
    [
      'more people, lower share (the unit grew)',
      { participants: 119, previousParticipants: 118, ratioBp: 9500, previousRatioBp: 9600 },
      false,
      true,
    ],
    [
      'ratio unknown: count only',
      { participants: 118, previousParticipants: 118, ratioBp: null, previousRatioBp: 9600 },
      false,
      false,
    ],
  ];
  it.each(table)('%s', (_what, row, byCount, byRatio) => {
    expect(belowPreviousPeriod(row)).toEqual({ below: byCount || byRatio, byCount, byRatio });
  });
  it('a ranked row can be checked as it is', () => {
    const row = must(
      rankUnits(units('市、县工会', CITY, 1), { target: null }).categories[0]?.rows.find(
        (x) => x.name === '儋州市总工会',
      ),
      '儋州市总工会 is ranked',
    );
    expect(belowPreviousPeriod(row)).toEqual({ below: true, byCount: true, byRatio: false }); // 19 802 → 18 040
  });
});
