/**
 * Issue 15, Numbers: a 100 000-row roster sent as a WeCom file message reaches its summary card ≤ 30 s, with the
 * app process's peak RSS ≤ 500 MB. The app runs in a child of its own (bench/roster-chat-child.ts) so its resident
 * set is measured alone. Baseline of the same run: the CLI's import of the same file into the same demo data
 * (bench/roster-import-child.ts), which reads, checks and writes it.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { platformNames } from '../src/channels/index.js';
import { createDb } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrations.js';
import { DEMO_UNIT_CODE, loadDemo } from '../src/services/demo/load.js';
import { currentPeriod } from '../src/services/periods.js';
import { freshDatabaseUrl } from '../test/support/db.js';
import { person, writeXlsx } from '../test/support/roster-files.js';
import { imageHeapFlag } from './image-heap.js';
import type { BenchResult } from './run.js';

const ROWS = 100_000;
const CAP = imageHeapFlag();
const dir = path.dirname(fileURLToPath(import.meta.url));

function run(
  script: string,
  args: string[],
  nodeFlags: string[] = [],
): { ok: boolean; rows: number; s: number; maxRssMb: number } {
  const out = execFileSync(process.execPath, [...nodeFlags, '--import', 'tsx', path.join(dir, script), ...args], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'silent', TEST_LOG_LEVEL: 'silent' },
    maxBuffer: 1 << 20,
  });
  const r = JSON.parse(out.trim().split('\n').at(-1) ?? '');
  if (!r.ok || r.rows !== ROWS) throw new Error(`${script}: ${JSON.stringify(r)}`);
  return r;
}

export default async function benchRosterChat(): Promise<BenchResult[]> {
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
    const fee = (await currentPeriod(db)).policy.fees.newFen / 100;
    await db.$disconnect();
    const file = await writeXlsx(Array.from({ length: ROWS }, (_, i) => person(i, fee)));
    const chat = run('roster-chat-child.ts', [file]);
    // the same app with its heap capped (NODE_OPTIONS in a deployment): V8 lets the old generation grow to about
    // four times what is alive before a full collection, and the app holds ~90 MB alive
    const capped = run('roster-chat-child.ts', [file], [CAP]);
    const cli = run('roster-import-child.ts', ['import', url, file, DEMO_UNIT_CODE]);
    return [
      {
        name: `${ROWS.toLocaleString('en-US')}-row roster as a WeCom file → its summary card`,
        value: chat.s,
        unit: 's',
        target: '<= 30',
        note: `${(chat.s / cli.s).toFixed(2)}× the CLI import of the same file (${cli.s.toFixed(1)} s)`,
      },
      {
        name: 'the app process, peak RSS',
        value: chat.maxRssMb,
        unit: 'MB',
        target: '<= 500',
        note: `the CLI import ${cli.maxRssMb.toFixed(0)} MB`,
      },
      {
        name: `the same, the app run with ${CAP} (as the image runs it): peak RSS`,
        value: capped.maxRssMb,
        unit: 'MB',
        target: '<= 500',
        note: `card in ${capped.s.toFixed(1)} s`,
      },
      { name: 'baseline: CLI import of the same file', value: cli.s, unit: 's' },
    ];
  } finally {
    await db.$disconnect();
    await drop();
  }
}
