import { describe, expect, it } from 'vitest';
import { categoryChartPng, categoryChartSvg } from '../../src/charts/ranking-chart.js';

/** seed 000 (000_323d04b7f63f3eb1.txt), 市、县工会, the first rows as printed */
const ROWS = [
  { id: 1, name: '三沙市总工会（筹）', rank: 1, participants: 1852, ratioBp: 10_000, display: '100%' },
  { id: 2, name: '陵水县总工会', rank: 2, participants: 9711, ratioBp: 4_400, display: '44%' },
  { id: 3, name: '地税工会', rank: 3, participants: 291, ratioBp: null, display: '省本级100%' },
];

describe('category chart, seed 000', () => {
  it('draws every unit with its rank, its printed cell and the CJK font', () => {
    const svg = categoryChartSvg(ROWS, { title: '第二期医疗互助进度 · 市、县工会', highlightId: 2 });
    for (const r of ROWS) expect(svg).toContain(`${r.rank}. ${r.name}`);
    expect(svg).toContain('44%  9711人');
    expect(svg).toContain('省本级100%  291人');
    expect(svg).toContain('WenQuanYi Micro Hei');
    expect(svg).toContain('#e4572e');
  });

  it('renders a PNG of a reasonable size', async () => {
    const png = await categoryChartPng(ROWS, { title: '市、县工会' });
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(900);
    expect(png.length).toBeGreaterThan(5_000);
    expect(png.length).toBeLessThan(500_000);
  });
});
