/**
 * The streamed roster import (issue 17, item 6) through `huzhu roster import`: rows are written a chunk at a time
 * inside one transaction, so an error in a later chunk must still leave nothing written; duplicates are found
 * across chunks; the row limit is the operator's to raise (ROSTER_MAX_ROWS), for the command line only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliWith } from '../support/cli.js';
import { freshDb, type TestDb } from '../support/db.js';
import { person, writeCsv } from '../support/roster-files.js';
import { seedYunnan12 } from '../support/yunnan12.js';

/** more rows than one chunk holds on SQLite (1 000) or PostgreSQL (5 000)'s first one does not */
const ROWS = 2_500;

const importInto = (t: TestDb, file: string, unit: string, env: Record<string, string> = {}) =>
  cliWith(env, t.url, 'roster', 'import', file, '--period', '12', '--unit', unit);

describe('the streamed roster import (sqlite)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await freshDb('sqlite');
    await seedYunnan12(t);
  });
  afterAll(() => t.drop());

  const counts = async () => ({ members: await t.db.member.count(), enrolments: await t.db.enrolment.count() });

  it('an error in the last row: the chunks already written are rolled back, the error named', async () => {
    const rows = Array.from({ length: ROWS }, (_, i) => person(20_000 + i, 100));
    rows[ROWS - 1] = person(20_000 + ROWS - 1, 120);
    const before = await counts();
    const r = await importInto(t, writeCsv(rows), 'KMUST-ART');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/名册有 1 处错误，未写入任何数据/);
    expect(r.err).toMatch(new RegExp(`第 ${ROWS + 1} 行：交费金额 120 元与本期标准不符`));
    expect(await counts()).toEqual(before);
  });

  it('a duplicate ID number chunks apart is found, and nothing is written', async () => {
    const rows = Array.from({ length: ROWS }, (_, i) => person(30_000 + i, 100));
    rows[ROWS - 2] = person(30_000, 100);
    const before = await counts();
    const r = await importInto(t, writeCsv(rows), 'KMUST-ART');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`第 ${ROWS} 行：身份证号与第 2 行重复`));
    expect(await counts()).toEqual(before);
  });

  it('a valid file of several chunks: every row written once; again, nothing changes', async () => {
    const rows = Array.from({ length: ROWS }, (_, i) => person(40_000 + i, i % 7 === 0 ? '未参' : 100));
    const file = writeCsv(rows);
    const before = await counts();
    const r = await importInto(t, file, 'KMUST-ART');
    expect(r.err).toBe('');
    expect(r.out).toMatch(new RegExp(`导入完成：${ROWS} 行；新增会员 ${ROWS}，更新 0；新增参互记录 ${ROWS}`));
    const after = await counts();
    expect(after).toEqual({ members: before.members + ROWS, enrolments: before.enrolments + ROWS });
    const unit = await t.db.org.findUniqueOrThrow({ where: { code: 'KMUST-ART' } });
    expect(await t.db.enrolment.count({ where: { unitId: unit.id, kind: 'none' } })).toBeGreaterThanOrEqual(
      Math.ceil(ROWS / 7),
    );
    const again = await importInto(t, file, 'KMUST-ART');
    expect(again.out).toMatch(/新增会员 0，更新 0；新增参互记录 0，更新 0/);
    expect(await counts()).toEqual(after);
  });

  it('ROSTER_MAX_ROWS is the row limit of the command line: past it refused, at it imported', async () => {
    const file = writeCsv([person(50_001, 100), person(50_002, 100), person(50_003, 100)]);
    const before = await counts();
    const refused = await importInto(t, file, 'KMUST-LIB', { ROSTER_MAX_ROWS: '2' });
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/名册超过 2 行，未导入/);
    expect(await counts()).toEqual(before);
    const taken = await importInto(t, file, 'KMUST-LIB', { ROSTER_MAX_ROWS: '3' });
    expect(taken.err).toBe('');
    expect(taken.out).toMatch(/新增会员 3/);
  });
});
