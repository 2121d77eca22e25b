/**
 * One roster import in a process of its own, so its resident set is measured alone (bench/roster-memory.bench.ts):
 * `tsx bench/roster-import-child.ts <import|read> <databaseUrl> <file> <unitCode>` prints one JSON line with the
 * process's peak RSS (getrusage maxrss: an RSS sampler on a timer misses the peaks, because a transaction on the
 * synchronous SQLite driver is one long chain of promises that never lets a timer run). `read` only reads and
 * checks the rows, the baseline of the same process without the database work.
 */

import { platformColumns } from '../src/channels/platforms.js';
import { createDb } from '../src/db/client.js';
import { currentPeriod } from '../src/services/periods.js';
import { importRoster } from '../src/services/roster/import.js';
import { readRoster } from '../src/services/roster/read.js';
import { validateRow } from '../src/services/roster/validate.js';

const KEY = 'bench-id-hash-key-0123456789';
const [mode, url, file, unitCode] = process.argv.slice(2);
if (!mode || !url || !file || !unitCode)
  throw new Error('usage: roster-import-child.ts <import|read> <databaseUrl> <file> <unitCode>');
const db = createDb(url);
const period = await currentPeriod(db);
const startMb = process.resourceUsage().maxRSS / 1024;
const t0 = performance.now();
let rows = 0;
let ok = true;
if (mode === 'read') {
  for await (const raw of readRoster(file, platformColumns))
    if (validateRow(raw, period.policy, KEY, platformColumns).row) rows++;
} else {
  const r = await importRoster({
    db,
    file,
    period,
    unitCode,
    hashKey: KEY,
    actor: 'bench',
    platforms: platformColumns,
  });
  ok = r.ok;
  rows = r.ok ? r.summary.enrolmentsCreated : r.errors.length;
}
const s = (performance.now() - t0) / 1000;
await db.$disconnect();
console.log(JSON.stringify({ mode, ok, rows, s, startMb, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
