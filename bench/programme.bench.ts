/**
 * Issue 15: a province set up from its files — organisations (5 000 units) and people (20 000, each with a chat
 * account per platform) applied in ≤ 10 s — next to a baseline of the same run: checking the same files, which
 * reads and validates everything and plans the writes without writing. Re-applying (nothing changes) is shown too.
 */
import fs from 'node:fs';
import { platformLabels, platformNames } from '../src/channels/index.js';
import { must } from '../src/core/must.js';
import { createDb } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrations.js';
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

async function time(fn: () => Promise<{ ok: boolean }>): Promise<number> {
  const t0 = performance.now();
  const r = await fn();
  if (!r.ok) throw new Error(JSON.stringify(r).slice(0, 500));
  return (performance.now() - t0) / 1000;
}

export default async function benchProgramme(): Promise<BenchResult[]> {
  const { url, drop } = await freshDatabaseUrl('sqlite');
  await applyMigrations(url);
  const db = createDb(url);
  try {
    const f = files();
    const input = (file: string) => ({ db, source: { file }, platforms, hashKey: KEY });
    const checkOrgs = await time(() => checkProgrammeFile(input(f.orgs)));
    const applyOrgs = await time(() => applyProgrammeFile({ ...input(f.orgs), actor: 'bench' }));
    const checkPeople = await time(() => checkProgrammeFile(input(f.people)));
    const applyPeople = await time(() => applyProgrammeFile({ ...input(f.people), actor: 'bench' }));
    const again = await time(async () => {
      const a = await applyProgrammeFile({ ...input(f.orgs), actor: 'bench' });
      const b = await applyProgrammeFile({ ...input(f.people), actor: 'bench' });
      if (a.ok && b.ok && a.summary.created + a.summary.changed + b.summary.created + b.summary.changed > 0)
        throw new Error('re-applying changed something');
      return { ok: a.ok && b.ok };
    });
    const total = applyOrgs + applyPeople;
    const verdict = total <= TARGET_S ? 'PASS' : 'FAIL';
    process.stderr.write(
      `   programme apply: ${total.toFixed(2)} s, ${verdict} against ${TARGET_S} s (organisations: check ${checkOrgs.toFixed(2)} s, apply ${applyOrgs.toFixed(2)} s; people: check ${checkPeople.toFixed(2)} s, apply ${applyPeople.toFixed(2)} s)\n`,
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
