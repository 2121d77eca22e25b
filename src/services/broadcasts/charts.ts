/**
 * Category charts of a day's ranking: rendered once per category when the first message that carries it is
 * sent (under a lock shared by every instance), and kept in the shared store (Redis with REDIS_URL) for the
 * others, so ten thousand pushes reference one PNG instead of carrying it and planning stays fast. The chart is
 * drawn from the ranking at render time: the push goes out minutes after planning, so the figures agree with the
 * text.
 */
import { categoryChartPng } from '../../charts/ranking-chart.js';
import type { Db } from '../../db/client.js';
import type { CategoryTable } from '../../rules/index.js';
import type { KeyValueStore } from '../../state/store.js';
import { ranking } from '../progress.js';
import { type PeriodWithPolicy, periodById } from './period.js';

const TTL_MS = 3 * 86_400_000;

/** One PNG per category and day; a rep's copy, with their own unit marked, is one more per unit. */
export function chartKey(periodId: number, date: string, category: string, highlightId?: number): string {
  return `chart:${periodId}:${date}:${category}${highlightId === undefined ? '' : `:u${highlightId}`}`;
}

export async function renderCategory(
  period: { name: string },
  table: CategoryTable,
  date: string,
  font?: string,
  highlightId?: number,
): Promise<Buffer> {
  return categoryChartPng(
    table.rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      rank: r.rank,
      participants: r.participants,
      ratioBp: r.ratioBp,
      display: r.display,
    })),
    {
      title: `${period.name}医疗互助进度 · ${table.category}`,
      subtitle: `${date}　按已完成数占会员总数比例排序`,
      ...(font ? { fontFamily: font } : {}),
      ...(highlightId === undefined ? {} : { highlightId }),
    },
  );
}

export async function storeChart(
  store: KeyValueStore,
  periodId: number,
  date: string,
  category: string,
  png: Buffer,
  highlightId?: number,
): Promise<void> {
  await store.set(chartKey(periodId, date, category, highlightId), png.toString('base64'), TTL_MS);
}

export async function loadChart(
  db: Db,
  store: KeyValueStore,
  ref: { periodId: number; date: string; category: string; highlightId?: number },
  font?: string,
): Promise<Buffer> {
  const key = chartKey(ref.periodId, ref.date, ref.category, ref.highlightId);
  const hit = await store.get(key);
  if (hit) return Buffer.from(hit, 'base64');
  // rendered on first use, once: the other senders of the same chart wait for it
  return store.withLock(
    `render:${key}`,
    60_000,
    async () => {
      const again = await store.get(key);
      if (again) return Buffer.from(again, 'base64');
      const period: PeriodWithPolicy = await periodById(db, ref.periodId);
      const r = await ranking(db, period);
      const table = r.categories.find((c) => c.category === ref.category);
      if (!table) throw new Error(`no category ${ref.category} in the ranking of period ${ref.periodId}`);
      const png = await renderCategory(period, table, ref.date, font, ref.highlightId);
      await storeChart(store, ref.periodId, ref.date, ref.category, png, ref.highlightId);
      return png;
    },
    60_000,
  );
}
