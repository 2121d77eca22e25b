/**
 * Periods over time: open period n+1 from period n (its members are the 续互 candidates: the fee rules look at the
 * period numbered one less), and close a period. Each answer names the periods it speaks of.
 */
import type { Db } from '../../db/client.js';
import type { Policy } from '../../rules/policy.js';
import { audit } from '../audit.js';
import { forgetCurrentPeriod } from '../periods.js';
import { periodNumberOf } from './period.js';

export type PeriodChange =
  | {
      ok: true;
      from?: { number: number; name: string };
      period: { id: number; number: number; name: string };
      renewalCandidates?: number;
    }
  | { ok: false; message: string };

async function programmeOf(db: Db, code: string | undefined) {
  if (code) return db.programme.findUnique({ where: { code } });
  const all = await db.programme.findMany({ take: 2 });
  return all.length === 1 ? (all[0] ?? null) : null;
}

export async function openNextPeriod(
  db: Db,
  o: { programme?: string; from: number; policy: Policy; actor: string },
): Promise<PeriodChange> {
  const programme = await programmeOf(db, o.programme);
  if (!programme)
    return {
      ok: false,
      message: o.programme ? `找不到互助方案 ${o.programme}` : '有多个互助方案：请用 --programme 指明',
    };
  const from = await db.period.findUnique({
    where: { programmeId_number: { programmeId: programme.id, number: o.from } },
  });
  if (!from) return { ok: false, message: `${programme.name}没有第 ${o.from} 期` };
  const number = o.from + 1;
  const named = periodNumberOf(o.policy.periodName);
  if (named !== null && named !== number)
    return { ok: false, message: `政策的期次名称“${o.policy.periodName}”不是第 ${number} 期` };
  if (o.policy.startsOn <= from.endsOn)
    return { ok: false, message: `新一期开始日期 ${o.policy.startsOn} 不晚于${from.name}结束日期 ${from.endsOn}` };
  if (await db.period.findUnique({ where: { programmeId_number: { programmeId: programme.id, number } } }))
    return { ok: false, message: `${programme.name}已有第 ${number} 期` };
  const period = await db.$transaction(async (tx) => {
    await tx.period.updateMany({ where: { programmeId: programme.id, current: true }, data: { current: false } });
    const p = await tx.period.create({
      data: {
        programmeId: programme.id,
        number,
        name: o.policy.periodName,
        startsOn: o.policy.startsOn,
        endsOn: o.policy.endsOn,
        policy: JSON.stringify(o.policy),
        current: true,
      },
    });
    await audit(tx, o.actor, 'period.open', 'Programme', programme.code, { from: from.number, number, name: p.name });
    return p;
  });
  forgetCurrentPeriod(db);
  const renewalCandidates = await db.enrolment.count({ where: { periodId: from.id, kind: { not: 'none' } } });
  return {
    ok: true,
    from: { number: from.number, name: from.name },
    period: { id: period.id, number, name: period.name },
    renewalCandidates,
  };
}

export async function closePeriod(
  db: Db,
  o: { programme?: string; number: number; today: string; actor: string },
): Promise<PeriodChange> {
  const programme = await programmeOf(db, o.programme);
  if (!programme)
    return {
      ok: false,
      message: o.programme ? `找不到互助方案 ${o.programme}` : '有多个互助方案：请用 --programme 指明',
    };
  const p = await db.period.findUnique({
    where: { programmeId_number: { programmeId: programme.id, number: o.number } },
  });
  if (!p) return { ok: false, message: `${programme.name}没有第 ${o.number} 期` };
  if (p.closedOn) return { ok: false, message: `${p.name}已于 ${p.closedOn} 结束，无需再次结束` };
  await db.$transaction(async (tx) => {
    await tx.period.update({ where: { id: p.id }, data: { closedOn: o.today, current: false } });
    await audit(tx, o.actor, 'period.close', 'Period', p.id, { number: p.number, name: p.name, closedOn: o.today });
  });
  forgetCurrentPeriod(db);
  return { ok: true, period: { id: p.id, number: p.number, name: p.name } };
}
