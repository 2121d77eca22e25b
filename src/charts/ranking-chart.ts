/**
 * The ranking chart of one category, rendered on the server: echarts' SSR gives an SVG string (no DOM, no
 * canvas), sharp rasterises it to PNG with the system's fonts, so Chinese names need a CJK font installed
 * (fonts-wqy-microhei; src/fonts.ts checks at start).
 */
import * as echarts from 'echarts';
import sharp from 'sharp';

export interface ChartRow {
  id: number;
  name: string;
  rank: number;
  participants: number;
  ratioBp: number | null;
  display: string;
}

export interface ChartOptions {
  title: string;
  subtitle?: string;
  /** a ranked unit drawn in the highlight colour */
  highlightId?: number;
  fontFamily?: string;
}

export const DEFAULT_CHART_FONT = 'WenQuanYi Micro Hei';
const ROW_HEIGHT = 28;

/** Bars of each unit's completion ratio (%), in rank order; a unit without a ratio shows its printed cell. */
export function categoryChartSvg(rows: ChartRow[], o: ChartOptions): string {
  const height = Math.max(240, 110 + rows.length * ROW_HEIGHT);
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: 900, height });
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: o.fontFamily ?? DEFAULT_CHART_FONT },
    title: { text: o.title, subtext: o.subtitle ?? '', left: 'center', top: 8 },
    grid: { left: 16, right: 110, top: 70, bottom: 24, containLabel: true },
    xAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    yAxis: {
      type: 'category',
      inverse: true,
      // the reader's own unit is marked in words too, not by colour alone
      data: rows.map((r) => `${r.rank}. ${r.name}${r.id === o.highlightId ? '（本单位）' : ''}`),
      axisLabel: { fontSize: 13 },
    },
    series: [
      {
        type: 'bar',
        barMaxWidth: 18,
        data: rows.map((r) => ({
          value: r.ratioBp === null ? 0 : Math.min(100, r.ratioBp / 100),
          itemStyle: { color: r.id === o.highlightId ? '#e4572e' : '#4e79a7' },
          label: { show: true, position: 'right', formatter: `${r.display || '—'}  ${r.participants}人` },
        })),
      },
    ],
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

export async function categoryChartPng(rows: ChartRow[], o: ChartOptions): Promise<Buffer> {
  return sharp(Buffer.from(categoryChartSvg(rows, o)))
    .png({ compressionLevel: 9 })
    .toBuffer();
}
