/**
 * Issue 17: the resident memory of a 100 000-row XLSX roster import (target ≤ 400 MB for the whole process), each
 * run in a child process of its own and read from getrusage (bench/roster-import-child.ts). Baseline of the same
 * run: a child that only reads and checks the same file, so the database work's share shows as the difference.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { platformNames } from '../src/channels/index.js';
import { createDb } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrations.js';
import { loadDemo } from '../src/services/demo/load.js';
import { currentPeriod } from '../src/services/periods.js';
import { freshDatabaseUrl } from '../test/support/db.js';
import { person, writeXlsx } from '../test/support/roster-files.js';
import { imageHeapFlag } from './image-heap.js';
import type { BenchResult } from './run.js';

const ROWS = 100_000;
const CAP = imageHeapFlag();
const dir = path.dirname(fileURLToPath(import.meta.url));

interface ChildResult {
  ok: boolean;
  rows: number;
  s: number;
  startMb: number;
  maxRssMb: number;
}

function child(mode: 'import' | 'read', url: string, file: string, unit: string, flags: string[] = []): ChildResult {
  const out = execFileSync(
    process.execPath,
    [...flags, '--import', 'tsx', path.join(dir, 'roster-import-child.ts'), mode, url, file, unit],
    { encoding: 'utf8', env: { ...process.env, LOG_LEVEL: 'silent' }, maxBuffer: 1 << 20 },
  );
  const r = JSON.parse(out.trim().split('\n').at(-1) ?? '') as ChildResult;
  if (!r.ok || r.rows !== ROWS) throw new Error(`${mode}: ${JSON.stringify(r)}`);
  return r;
}

export default async function benchRosterMemory(): Promise<BenchResult[]> {
  const { url, drop } = await freshDatabaseUrl('sqlite');
  await applyMigrations(url);
  const db = createDb(url);
  try {
    await loadDemo({
      db,
      hashKey: 'bench-id-hash-key-0123456789',
      today: '2026-03-02',
      platforms: platformNames,
      scale: 1000,
    });
    const unit = await db.org.findFirstOrThrow({ where: { kind: 'union' } });
    const fee = (await currentPeriod(db)).policy.fees.newFen / 100;
    await db.$disconnect();
    const dbFile = url.replace(/^file:/, '');
    fs.copyFileSync(dbFile, `${dbFile}.fresh`);
    const file = await writeXlsx(Array.from({ length: ROWS }, (_, i) => person(i, fee)));
    const read = child('read', url, file, unit.code);
    const imported = child('import', url, file, unit.code);
    // again into a fresh copy of the database, the heap capped: V8 lets its old generation grow to about four
    // times what is alive before a full collection, so the peak above varies by ±30 MB from run to run
    fs.copyFileSync(`${dbFile}.fresh`, dbFile);
    const capped = child('import', url, file, unit.code, [CAP]);
    return [
      {
        name: `roster import ${ROWS.toLocaleString('en-US')} rows XLSX: process peak RSS`,
        value: imported.maxRssMb,
        unit: 'MB',
        target: '<= 400',
        note: `reading+checking alone ${read.maxRssMb.toFixed(0)} MB; the process at start ${imported.startMb.toFixed(0)} MB; ${imported.s.toFixed(1)} s`,
      },
      {
        name: `the same import, ${CAP} (as the image runs it): peak RSS`,
        value: capped.maxRssMb,
        unit: 'MB',
        target: '<= 400',
        note: `${capped.s.toFixed(1)} s`,
      },
      {
        name: 'baseline: read and check the same file, peak RSS',
        value: read.maxRssMb,
        unit: 'MB',
      },
    ];
  } finally {
    await db.$disconnect();
    await drop();
  }
}
