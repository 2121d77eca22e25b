import type { Db } from '../db/client.js';
import { type Policy, parsePolicy } from '../rules/policy.js';

export interface PeriodWithPolicy {
  id: number;
  programmeId: number;
  number: number;
  name: string;
  policy: Policy;
}

export class NotFoundError extends Error {}

function withPolicy(p: { id: number; programmeId: number; number: number; name: string; policy: string }): PeriodWithPolicy {
  return { id: p.id, programmeId: p.programmeId, number: p.number, name: p.name, policy: parsePolicy(JSON.parse(p.policy)) };
}

/** The period the bot works in: the one flagged current (the newest when several programmes run). */
export async function currentPeriod(db: Db): Promise<PeriodWithPolicy> {
  const p = await db.period.findFirst({ where: { current: true }, orderBy: { id: 'desc' } });
  if (!p) throw new NotFoundError('没有进行中的互助期次：请先导入期次或运行 huzhu demo');
  return withPolicy(p);
}

export async function periodByNumber(db: Db, number: number, programmeCode?: string): Promise<PeriodWithPolicy> {
  const p = await db.period.findFirst({
    where: { number, ...(programmeCode ? { programme: { code: programmeCode } } : {}) },
    orderBy: { id: 'desc' },
  });
  if (!p) throw new NotFoundError(`找不到第 ${number} 期`);
  return withPolicy(p);
}

export async function previousPeriod(db: Db, period: PeriodWithPolicy): Promise<{ id: number } | null> {
  return db.period.findFirst({ where: { programmeId: period.programmeId, number: period.number - 1 }, select: { id: true } });
}
