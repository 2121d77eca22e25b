/**
 * `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) and prints one table.
 * Each benchmark reports its result next to a baseline measured in the same run, never a bare time alone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target?: string;
  note?: string;
}

const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  // the 60 s load run (load.bench.ts) and the million-row import only when named: `npm run bench -- load`
  .filter((f) =>
    only.length === 0 ? !['load.bench.ts', 'roster-million.bench.ts'].includes(f) : only.some((o) => f.includes(o)),
  )
  .sort();

const rows: (BenchResult & { bench: string })[] = [];
for (const f of files) {
  const started = performance.now();
  process.stderr.write(`== ${f}\n`);
  const mod = (await import(path.join(dir, f))) as { default: () => Promise<BenchResult[]> };
  for (const r of await mod.default()) rows.push({ ...r, bench: f.replace(/\.bench\.ts$/, '') });
  process.stderr.write(`   ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2));
console.log(`\n${'bench'.padEnd(10)} ${'measure'.padEnd(58)} ${'value'.padStart(14)}  unit      target`);
for (const r of rows)
  console.log(
    `${r.bench.padEnd(10)} ${r.name.padEnd(58)} ${fmt(r.value).padStart(14)}  ${r.unit.padEnd(9)} ${r.target ?? ''}${r.note ? `  (${r.note})` : ''}`,
  );
fs.mkdirSync(path.join(dir, '../data'), { recursive: true });
fs.writeFileSync(path.join(dir, '../data/bench-results.json'), JSON.stringify(rows, null, 2));
process.exit(0);
