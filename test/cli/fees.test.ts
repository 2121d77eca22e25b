/**
 * Issue 15 §3 and §6: fee payments and reconciliation through the CLI, Yunnan 14th period (seed 002: 150 元 new,
 * offices remit to the centre; "上交的互助金金额，应与参互系统的统计数据相一致"). The roster's fees are paid on import;
 * the office's remittance list records what it sent; `fees reconcile` shows each office's difference, fixes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { freshDb, providers, type TestDb } from '../support/db.js';
import { tmpFile } from '../support/roster-files.js';

const DIR = path.resolve(import.meta.dirname, '../fixtures/programmes/yunnan-14');

describe.each(providers)('fees on %s (seed 002)', (provider) => {
  let t: TestDb;
  const tails = new Map<string, string>();
  const list = (rows: string[]) => {
    const f = tmpFile('fees.csv');
    fs.writeFileSync(f, `单位编码,姓名,身份证后4位,金额,交费日期\n${rows.join('\n')}\n`);
    return f;
  };
  beforeAll(async () => {
    t = await freshDb(provider);
    for (const f of ['organisations.csv', 'period.csv', 'people.csv'])
      expect((await cli(t.url, 'programme', 'apply', path.join(DIR, f))).code).toBe(0);
    expect(
      (await cli(t.url, 'roster', 'import', path.join(DIR, 'roster.csv'), '--period', '14', '--unit', 'YN-KM-U1')).code,
    ).toBe(0);
    for (const m of await t.db.member.findMany()) tails.set(m.name, m.idLast4);
  });
  afterAll(() => t.drop());

  it('roster fees are paid on import; nothing remitted yet is a difference, shown not fixed', async () => {
    const paid = await t.db.enrolment.findMany({ where: { kind: { not: 'none' } } });
    expect(paid.map((e) => [e.feeFen, e.paid])).toEqual([
      [15_000, true],
      [15_000, true],
      [15_000, true],
    ]);
    const r = await cli(t.url, 'fees', 'reconcile');
    expect(r.code).toBe(1);
    expect(r.out).toContain('昆明市总工会（YN-KM）：名册已交费 3 人 450.00 元，已上交 0 人 0.00 元');
    expect(r.out).toContain('与名册合计');
  });

  it('a bad remittance list is refused row by row, nothing written', async () => {
    const r = await cli(
      t.url,
      'fees',
      'import',
      list([
        `YN-KM-U1,林海燕,${tails.get('林海燕')},120,2018-02-20`,
        'YN-KM-U1,无此人,,150,2018-02-20',
        'NOPE,林海燕,,150,2018-02-30x',
      ]),
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain(`第 2 行「金额」：林海燕，身份证后4位 ${tails.get('林海燕')}应交 150 元，清单为 120 元`);
    expect(r.err).toContain('第 3 行：无此人：本单位第十四期没有这名参加人员');
    expect(r.err).toContain('第 4 行「单位编码」：找不到单位 NOPE');
    expect(r.err).toContain('第 4 行「交费日期」');
    expect(await t.db.remittance.count()).toBe(0);
  });

  it('the office remits the three: recorded once, reconciled; a member who enrolled later is due until listed', async () => {
    const f = list(['吴文静', '林海燕', '王小梅'].map((n) => `YN-KM-U1,${n},${tails.get(n)},150,2018-02-20`));
    const r = await cli(t.url, 'fees', 'import', f);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe('第十四期缴费登记（上交记录 1 笔）：3 行，新登记已交费 0 人，共 0.00 元；此前已登记 3 人');
    expect((await cli(t.url, 'fees', 'import', f)).out).toContain('上交记录 0 笔');
    const ok = await cli(t.url, 'fees', 'reconcile');
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain('昆明市总工会（YN-KM）：名册已交费 3 人 450.00 元，已上交 3 人 450.00 元，一致');
    const remittance = await t.db.remittance.findFirstOrThrow();
    expect(remittance).toMatchObject({ amountFen: 45_000, persons: 3, remittedOn: '2018-02-20' });
  });

  it('--application: the 团体申请表 unit by unit against the roster; a bad row is named, nothing compared', async () => {
    const form = (lines: string[]) => {
      const f = tmpFile('application.csv');
      fs.writeFileSync(f, `单位编码,申请人数,金额\n${lines.join('\n')}\n`);
      return f;
    };
    const agree = await cli(t.url, 'fees', 'reconcile', '--application', form(['YN-KM-U1,3,450']));
    expect(agree.code, agree.out + agree.err).toBe(0);
    expect(agree.out).toMatch(/（YN-KM-U1）：名册参互 3 人 450\.00 元，申请表 3 人 450\.00 元，一致/);
    const differ = await cli(t.url, 'fees', 'reconcile', '--application', form(['YN-KM-U1,4,600']));
    expect(differ.code).toBe(1);
    expect(differ.out).toContain('团体申请表人数 4 人与名册参互人数 3 人不一致');
    expect(differ.out).toContain('团体申请表金额 600 元与名册应交 450 元不一致，相差 150 元');
    const bad = await cli(t.url, 'fees', 'reconcile', '--application', form(['NOPE,x,1']));
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('第 2 行「单位编码」：找不到单位 NOPE');
    expect(bad.err).toContain('第 2 行「申请人数」');
  });
});
