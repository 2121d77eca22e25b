/**
 * Issue 15 §5: periods over time through the CLI. Zhangjiakou (seed 004): the 2020 claim year is 第十三期; the
 * notice mobilises 第十四期. Period 14 is opened from 13, whose members then renew (续互); 13 is closed. Every answer
 * names the period it speaks of.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { must } from '../../src/core/must.js';
import { cli } from '../support/cli.js';
import { freshDb, providers, type TestDb } from '../support/db.js';
import { tmpFile } from '../support/roster-files.js';

const DIR = path.resolve(import.meta.dirname, '../fixtures/programmes/zhangjiakou-14');

describe.each(providers)('period open and close on %s (seed 004)', (provider) => {
  let t: TestDb;
  const ok = async (...argv: string[]) => {
    const r = await cli(t.url, ...argv);
    expect(r.code, r.err).toBe(0);
    return r.out;
  };
  beforeAll(async () => {
    t = await freshDb(provider);
    await ok('programme', 'apply', path.join(DIR, 'organisations.csv'));
    const period13 = tmpFile('period-13.csv');
    fs.writeFileSync(
      period13,
      fs.readFileSync(path.join(DIR, 'period.csv'), 'utf8').replace(',14,zhangjiakou-14,', ',13,zhangjiakou-13,'),
    );
    await ok('programme', 'apply', period13);
    await ok('roster', 'import', path.join(DIR, 'roster.csv'), '--period', '13', '--unit', 'ZJK-QX-U1');
  });
  afterAll(() => t.drop());

  it('opens 第十四期 from 第十三期: current, its members renew; a policy for another period is refused', async () => {
    const wrong = await cli(t.url, 'period', 'open', '--from', '13', '--policy', 'zhangjiakou-13');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('政策的期次名称“第十三期”不是第 14 期');
    const out = await ok('period', 'open', '--from', '13', '--policy', 'zhangjiakou-14');
    expect(out).toBe('已开启第十四期（第 14 期），设为当前期次；第十三期的 3 名参加人员可按续互办理');
    const periods = await t.db.period.findMany({ orderBy: { number: 'asc' } });
    expect(periods.map((p) => [p.number, p.name, p.current])).toEqual([
      [13, '第十三期', false],
      [14, '第十四期', true],
    ]);
    // the same roster in period 14: last period's participants are renewals now
    await ok('roster', 'import', path.join(DIR, 'roster.csv'), '--period', '14', '--unit', 'ZJK-QX-U1');
    const kinds = await t.db.enrolment.findMany({
      where: { periodId: must(periods[1], 'period 14').id },
      include: { member: true },
      orderBy: { id: 'asc' },
    });
    expect(kinds.map((e) => [e.member.name, e.kind, e.paid])).toEqual([
      ['吴文静', 'renewal', true],
      ['林海燕', 'renewal', true],
      ['符明亮', 'none', false],
      ['王小梅', 'renewal', true],
    ]);
    const again = await cli(t.url, 'period', 'open', '--from', '13', '--policy', 'zhangjiakou-14');
    expect(again.err).toContain('已有第 14 期');
  });

  it('closes 第十三期 once, with an audit entry; show names both periods', async () => {
    expect(await ok('period', 'close', '13', '--today', '2021-02-06')).toBe('第十三期（第 13 期）已于 2021-02-06 结束');
    expect((await cli(t.url, 'period', 'close', '13')).err).toBe('第十三期已于 2021-02-06 结束，无需再次结束');
    expect(await t.db.auditLog.count({ where: { action: 'period.close' } })).toBe(1);
    const show = await ok('programme', 'show');
    expect(show).toContain(
      '第十三期（第 13 期）2020-01-01 至 2020-12-31，已于 2021-02-06 结束：参加 3 人，已交费 3 人',
    );
    expect(show).toContain('第十四期（第 14 期）2021-01-01 至 2021-12-31，当前期次：参加 3 人，已交费 3 人');
  });
});
