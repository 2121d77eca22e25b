/**
 * Issue 15: a province set up from its files — organisations (5 000 units) and people (20 000, each with a chat
 * account per platform) applied in ≤ 10 s — next to a baseline of the same run: checking the same files, which
 * reads and validates everything and plans the writes without writing. Re-applying (nothing changes) is shown too.
 * Each step's SQL statement count is printed: the time must not come from a statement per row.
 */
import fs from 'node:fs';
import { platformLabels, platformNames } from '../src/channels/index.js';
import { must } from '../src/core/must.js';
import { adapterFactory, type Db } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrations.js';
import { rememberProvider } from '../src/db/provider.js';
import { PrismaClient as SqliteClient } from '../src/generated/sqlite/client.js';
import { syntheticIdNumber } from '../src/services/demo/people.js';
import { applyProgrammeFile, checkProgrammeFile } from '../src/services/programme/index.js';
import { freshDatabaseUrl } from '../test/support/db.js';
import { tmpFile } from '../test/support/roster-files.js';
import type { BenchResult } from './run.js';

const UNITS = 5_000;
/** issue 15: a province's organisations and people applied within this */
const TARGET_S = 10;
const PEOPLE = 20_000;
const KEY = 'bench-id-hash-key-0123456789';
const platforms = platformNames.map((name) => ({ name, label: platformLabels[name] ?? name }));

function files(): { orgs: string; people: string } {
  const orgs = tmpFile('organisations.csv');
  const lines = [
    `单位编码,单位名称,单位类型,上级单位编码,排名类别,会员总数,参加目标,理赔目标基数,上期参加人数,排名备注,${platforms.map((p) => `${p.label}群聊`).join(',')}`,
    `P,某省总工会,总工会,,,,,,,,${platforms.map(() => 'p-all').join(',')}`,
  ];
  const offices = 50;
  for (let o = 1; o <= offices; o++)
    lines.push(`P-${o},第${o}办事处,办事处,P,市、县工会,${1000 * o},${800 * o},${700 * o},${600 * o},,`);
  const units: string[] = [];
  for (let u = 1; lines.length - 1 < UNITS; u++) {
    units.push(`P-${(u % offices) + 1}-${u}`);
    lines.push(`${units.at(-1)},第${u}基层工会,基层工会,P-${(u % offices) + 1},,,,,,,`);
  }
  fs.writeFileSync(orgs, `${lines.join('\n')}\n`);
  const people = tmpFile('people.csv');
  const rows = [
    `姓名,身份证号,所在单位编码,角色,负责单位编码,在职/退休,手机,${platforms.map((p) => `${p.label}账号`).join(',')}`,
  ];
  for (let i = 0; i < PEOPLE; i++) {
    const code = must(units[i % units.length], 'units is not empty');
    const role = i < units.length ? `代办员,${code}` : ',';
    rows.push(
      `测试人员,${syntheticIdNumber('530102', i)},${code},${role},在职,,${platforms.map((p) => `${p.name}-${i}`).join(',')}`,
    );
  }
  fs.writeFileSync(people, `${rows.join('\n')}\n`);
  return { orgs, people };
}

/** the statements the client sent since the last look */
let statements = 0;
const counted: string[] = [];

async function time(step: string, fn: () => Promise<{ ok: boolean }>): Promise<number> {
  const before = statements;
  const t0 = performance.now();
  const r = await fn();
  if (!r.ok) throw new Error(JSON.stringify(r).slice(0, 500));
  counted.push(`${step} ${statements - before}`);
  return (performance.now() - t0) / 1000;
}

/**
 * The driver adapter's objects (factory → connection → transaction), counting every statement sent to SQLite.
 * Counted at the driver, not through Prisma's query log, which would serialise each bulk statement's JSON again.
 */
function counting<T extends object>(o: T): T {
  return new Proxy(o, {
    get(target, key) {
      const v: unknown = Reflect.get(target, key, target);
      if (typeof v !== 'function') return v;
      const f = v as (...a: unknown[]) => unknown;
      if (key === 'queryRaw' || key === 'executeRaw')
        return (...a: unknown[]) => {
          statements++;
          return f.apply(target, a);
        };
      if (key === 'connect' || key === 'startTransaction')
        return async (...a: unknown[]) => counting((await f.apply(target, a)) as object);
      return f.bind(target);
    },
  });
}

/** the app's SQLite client, as createDb makes it, over the counting adapter */
function countingDb(url: string): Db {
  const db = new SqliteClient({ adapter: counting(adapterFactory(url)) });
  rememberProvider(db, 'sqlite');
  return db;
}

export default async function benchProgramme(): Promise<BenchResult[]> {
  const { url, drop } = await freshDatabaseUrl('sqlite');
  await applyMigrations(url);
  const db = countingDb(url);
  counted.length = 0;
  try {
    const f = files();
    const input = (file: string) => ({ db, source: { file }, platforms, hashKey: KEY });
    const checkOrgs = await time('check organisations', () => checkProgrammeFile(input(f.orgs)));
    const applyOrgs = await time('apply organisations', () => applyProgrammeFile({ ...input(f.orgs), actor: 'bench' }));
    const checkPeople = await time('check people', () => checkProgrammeFile(input(f.people)));
    const applyPeople = await time('apply people', () => applyProgrammeFile({ ...input(f.people), actor: 'bench' }));
    const again = await time('re-apply both', async () => {
      const a = await applyProgrammeFile({ ...input(f.orgs), actor: 'bench' });
      const b = await applyProgrammeFile({ ...input(f.people), actor: 'bench' });
      if (a.ok && b.ok && a.summary.created + a.summary.changed + b.summary.created + b.summary.changed > 0)
        throw new Error('re-applying changed something');
      return { ok: a.ok && b.ok };
    });
    const total = applyOrgs + applyPeople;
    const verdict = total <= TARGET_S ? 'PASS' : 'FAIL';
    process.stderr.write(
      `   programme apply: ${total.toFixed(2)} s, ${verdict} against ${TARGET_S} s (organisations: check ${checkOrgs.toFixed(2)} s, apply ${applyOrgs.toFixed(2)} s; people: check ${checkPeople.toFixed(2)} s, apply ${applyPeople.toFixed(2)} s)\n   SQL statements: ${counted.join('; ')}\n`,
    );
    return [
      {
        name: `programme apply ${UNITS.toLocaleString('en-US')} units + ${PEOPLE.toLocaleString('en-US')} people (SQLite)`,
        value: total,
        unit: 's',
        target: `≤ ${TARGET_S} s ${verdict}`,
        note: `${(total / (checkOrgs + checkPeople)).toFixed(2)}× checking the same files (${(checkOrgs + checkPeople).toFixed(1)} s)`,
      },
      {
        name: 'programme apply the same files again (nothing changes)',
        value: again,
        unit: 's',
        note: `${(again / total).toFixed(2)}× the first apply`,
      },
    ];
  } finally {
    await db.$disconnect();
    await drop();
  }
}
