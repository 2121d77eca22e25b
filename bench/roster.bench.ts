/**
 * Issue 2: `huzhu demo` and a 100 000-row roster import (target < 20 s, < 500 MB), each next to a baseline of the
 * same run: reading and checking the file without touching the database.
 */
import { platformNames } from '../src/channels/index.js';
import { platformColumns } from '../src/channels/platforms.js';
import { createDb } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrations.js';
import { loadDemo } from '../src/services/demo/load.js';
import { currentPeriod } from '../src/services/periods.js';
import { importRoster } from '../src/services/roster/import.js';
import { readRoster } from '../src/services/roster/read.js';
import { validateRow } from '../src/services/roster/validate.js';
import { freshDatabaseUrl } from '../test/support/db.js';
import { person, writeXlsx } from '../test/support/roster-files.js';
import type { BenchResult } from './run.js';

const ROWS = 100_000;
const KEY = 'bench-id-hash-key-0123456789';

/** runs fn while sampling the resident set; returns seconds and the peak RSS growth in MB */
async function measure(fn: () => Promise<unknown>): Promise<{ s: number; peakMb: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  const t0 = performance.now();
  await fn();
  const s = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { s, peakMb: (peak - base) / 1e6 };
}

export default async function benchRoster(): Promise<BenchResult[]> {
  const { url, drop } = await freshDatabaseUrl('sqlite');
  await applyMigrations(url);
  const db = createDb(url);
  try {
    const demo = await measure(() => loadDemo({ db, hashKey: KEY, today: '2026-03-02', platforms: platformNames }));
    const demoBaseline = await measure(() => applyMigrations((url as string).replace(/\.db$/, '-baseline.db')));

    const unit = await db.org.findFirstOrThrow({ where: { kind: 'union' } });
    const period = await currentPeriod(db);
    const fee = period.policy.fees.newFen / 100;
    const file = await writeXlsx(Array.from({ length: ROWS }, (_, i) => person(i, fee)));
    global.gc?.();
    const read = await measure(async () => {
      let n = 0;
      for await (const raw of readRoster(file, platformColumns))
        if (validateRow(raw, period.policy, KEY, platformColumns).row) n++;
      if (n !== ROWS) throw new Error(`read ${n} rows`);
    });
    global.gc?.();
    const imported = await measure(async () => {
      const r = await importRoster({
        db,
        file,
        period,
        unitCode: unit.code,
        hashKey: KEY,
        actor: 'bench',
        platforms: platformColumns,
      });
      if (!r.ok)
        throw new Error(
          r.errors
            .slice(0, 3)
            .map((e) => e.message)
            .join('; '),
        );
    });
    const again = await measure(() =>
      importRoster({ db, file, period, unitCode: unit.code, hashKey: KEY, actor: 'bench', platforms: platformColumns }),
    );
    return [
      {
        name: 'huzhu demo (SQLite, scale 100)',
        value: demo.s,
        unit: 's',
        note: `${(demo.s / demoBaseline.s).toFixed(1)}× applying the migrations`,
      },
      {
        name: `roster import ${ROWS.toLocaleString('en-US')} rows XLSX (SQLite)`,
        value: imported.s,
        unit: 's',
        target: '< 20 s',
        note: `${(imported.s / read.s).toFixed(2)}× reading+checking the file alone (${read.s.toFixed(1)} s)`,
      },
      { name: 'roster import peak memory growth', value: imported.peakMb, unit: 'MB', target: '< 500 MB' },
      {
        name: 're-import of the same file (changes nothing)',
        value: again.s,
        unit: 's',
        note: `${(again.s / imported.s).toFixed(2)}× the first import`,
      },
    ];
  } finally {
    await db.$disconnect();
    await drop();
  }
}
