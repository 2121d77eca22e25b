/**
 * Issue 17, item 6: a 1 000 000-row roster (CSV, a province's whole roster) imported on PostgreSQL (target ≤ 120 s),
 * next to a baseline of the same run: reading and checking the same file without the database. Slow (minutes),
 * so it runs only when named: `npm run bench -- roster-million`. PostgreSQL is the one the test setup starts
 * (test/support/global-setup.ts), unless TEST_PG_ADMIN_URL points at one already.
 *
 * The row limit is raised for this import as an operator would with ROSTER_MAX_ROWS (the default, 200 000 rows,
 * is what a chat upload gets).
 */

import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import { platformNames } from '../src/channels/index.js';
import { platformColumns } from '../src/channels/platforms.js';
import { createDb } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrations.js';
import { loadDemo } from '../src/services/demo/load.js';
import { syntheticIdNumber } from '../src/services/demo/people.js';
import { currentPeriod } from '../src/services/periods.js';
import { importRoster } from '../src/services/roster/import.js';
import { limitsForRows, readRoster } from '../src/services/roster/read.js';
import { validateRow } from '../src/services/roster/validate.js';
import { freshDatabaseUrl } from '../test/support/db.js';
import { setup, teardown } from '../test/support/global-setup.js';
import { HEADER, tmpFile } from '../test/support/roster-files.js';
import type { BenchResult } from './run.js';

const ROWS = Number(process.env.BENCH_ROSTER_ROWS ?? 1_000_000);
const KEY = 'bench-id-hash-key-0123456789';
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英';

/** a CSV of `rows` invented people (a region code the demo does not use), written as a stream */
async function writeMillion(rows: number, fee: number): Promise<string> {
  const file = tmpFile('province.csv');
  const out = fs.createWriteStream(file);
  out.write(`\uFEFF${HEADER.join(',')}\n`);
  for (let i = 0; i < rows; i++) {
    const name = `${SURNAMES[i % 20]}${GIVEN[Math.floor(i / 20) % 25]}${GIVEN[Math.floor(i / 500) % 25]}`;
    const phone = i % 3 === 0 ? `139${String(i).padStart(8, '0')}` : '';
    const line = `${name},${syntheticIdNumber('110105', i)},${i % 5 === 0 ? '退休' : '在职'},${i % 10 === 9 ? '未参' : fee},${phone},,\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return file;
}

export default async function benchRosterMillion(): Promise<BenchResult[]> {
  const started = !process.env.TEST_PG_ADMIN_URL;
  if (started) await setup();
  if (!process.env.TEST_PG_ADMIN_URL) return [{ name: 'PostgreSQL: not installed here, skipped', value: 0, unit: '' }];
  const { url, drop } = await freshDatabaseUrl('postgresql');
  await applyMigrations(url);
  const db = createDb(url);
  try {
    await loadDemo({ db, hashKey: KEY, today: '2026-03-02', platforms: platformNames, scale: 1000 });
    const unit = await db.org.findFirstOrThrow({ where: { kind: 'union' } });
    const period = await currentPeriod(db);
    const t0 = performance.now();
    const file = await writeMillion(ROWS, period.policy.fees.newFen / 100);
    const writeS = (performance.now() - t0) / 1000;
    const mb = fs.statSync(file).size / 1024 / 1024;
    const limits = limitsForRows(ROWS);

    const t1 = performance.now();
    let n = 0;
    for await (const raw of readRoster(file, platformColumns, limits))
      if (validateRow(raw, period.policy, KEY, platformColumns).row) n++;
    if (n !== ROWS) throw new Error(`read ${n} rows`);
    const readS = (performance.now() - t1) / 1000;

    const t2 = performance.now();
    const phases: Record<string, number> = {};
    const r = await importRoster({
      onPhase: (p) => {
        phases[p] = (performance.now() - t2) / 1000;
      },
      db,
      file,
      period,
      unitCode: unit.code,
      hashKey: KEY,
      actor: 'bench',
      platforms: platformColumns,
      limits,
    });
    const importS = (performance.now() - t2) / 1000;
    if (!r.ok) throw new Error(`${r.total} errors: ${r.errors.slice(0, 3).map((e) => `${e.line} ${e.message}`)}`);
    const written = await db.enrolment.count({ where: { periodId: period.id, unitId: unit.id } });
    if (written < ROWS) throw new Error(`only ${written} enrolments written`);
    fs.rmSync(file, { force: true });
    return [
      {
        name: `roster import ${ROWS.toLocaleString('en-US')} rows CSV (PostgreSQL)`,
        value: importS,
        unit: 's',
        target: '<= 120',
        note: `load average ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(
            ' ',
          )}; ${(importS / readS).toFixed(2)}× reading+checking the file alone; ${Math.round(ROWS / importS).toLocaleString('en-US')} rows/s; file ${mb.toFixed(0)} MB written in ${writeS.toFixed(1)} s`,
      },
      ...(phases.read !== undefined
        ? [
            {
              name: 'of which: reading, checking and COPY into the staging table',
              value: phases.read,
              unit: 's',
            },
            { name: 'of which: the database checks, the merge and commit', value: importS - phases.read, unit: 's' },
          ]
        : []),
      { name: 'baseline: read and check the same file', value: readS, unit: 's' },
    ];
  } finally {
    await db.$disconnect();
    await drop();
    if (started) await teardown();
  }
}
