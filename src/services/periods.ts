import type { Db } from '../db/client.js';
import { type Policy, parsePolicy } from '../rules/policy.js';
import { memo } from './memo.js';

export interface PeriodWithPolicy {
  id: number;
  programmeId: number;
  number: number;
  name: string;
  policy: Policy;
}

export class NotFoundError extends Error {}

function withPolicy(p: {
  id: number;
  programmeId: number;
  number: number;
  name: string;
  policy: string;
}): PeriodWithPolicy {
  return {
    id: p.id,
    programmeId: p.programmeId,
    number: p.number,
    name: p.name,
    policy: parsePolicy(JSON.parse(p.policy)),
  };
}

// every chat turn needs the period and its parsed policy; both change a few times a year
const current = memo<PeriodWithPolicy>(5_000);

/** The period the bot works in: the one flagged current (the newest when several programmes run). */
export async function currentPeriod(db: Db): Promise<PeriodWithPolicy> {
  return current.get(db, 'current', async () => {
    const p = await db.period.findFirst({ where: { current: true }, orderBy: { id: 'desc' } });
    if (!p)
      throw new NotFoundError(
        '没有进行中的互助期次：请先用 huzhu programme apply 导入组织、期次和人员文件（huzhu template 生成模板），或运行 huzhu demo',
      );
    return withPolicy(p);
  });
}

/** After a period or its policy changed: the next turn reads it again. */
export function forgetCurrentPeriod(db: Db): void {
  current.forget(db);
  byId.forget(db);
  previous.forget(db);
}

// a claim's card, decision and notice read their period's policy: parsed once per period, not per query
const byId = memo<PeriodWithPolicy>(5_000);

/** A period and its parsed policy by id (a claim's own period, which need not be the current one). */
export async function periodById(db: Db, id: number): Promise<PeriodWithPolicy> {
  return byId.get(db, String(id), async () => withPolicy(await db.period.findUniqueOrThrow({ where: { id } })));
}

export async function periodByNumber(db: Db, number: number, programmeCode?: string): Promise<PeriodWithPolicy> {
  const p = await db.period.findFirst({
    where: { number, ...(programmeCode ? { programme: { code: programmeCode } } : {}) },
    orderBy: { id: 'desc' },
  });
  if (!p) throw new NotFoundError(`找不到第 ${number} 期`);
  return withPolicy(p);
}

// every status answer and ranking reads the previous period too (issue #17's load: one query per turn less)
const previous = memo<{ id: number; name: string } | null>(5_000, (p) => p !== null);

export async function previousPeriod(
  db: Db,
  period: Pick<PeriodWithPolicy, 'programmeId' | 'number'>,
): Promise<{ id: number; name: string } | null> {
  return previous.get(db, `${period.programmeId}:${period.number}`, () =>
    db.period.findFirst({
      where: { programmeId: period.programmeId, number: period.number - 1 },
      select: { id: true, name: true },
    }),
  );
}
