/**
 * What a programme looks like now: its periods, its units by kind and category, its people by role. For
 * `huzhu programme show` and, later, an admin's question in chat.
 */
import type { Db } from '../../db/client.js';

export interface ProgrammeOverview {
  code: string;
  name: string;
  federation: { code: string; name: string };
  periods: {
    number: number;
    name: string;
    startsOn: string;
    endsOn: string;
    current: boolean;
    closedOn: string | null;
    enrolments: number;
    paid: number;
  }[];
  units: { kind: string; count: number }[];
  categories: { category: string; units: number; memberTotal: number }[];
  roles: { role: string; count: number; withoutChat: number }[];
}

export async function showProgrammes(db: Db): Promise<ProgrammeOverview[]> {
  const programmes = await db.programme.findMany({
    include: { federation: true, periods: { orderBy: { number: 'asc' } } },
    orderBy: { id: 'asc' },
  });
  const out: ProgrammeOverview[] = [];
  for (const p of programmes) {
    const under = { path: { startsWith: p.federation.path || `/${p.federation.id}/` } };
    const [kinds, cats, grants, counts, paid] = await Promise.all([
      db.org.groupBy({ by: ['kind'], where: under, _count: { _all: true } }),
      db.org.groupBy({
        by: ['category'],
        where: { ...under, category: { not: null } },
        _count: { _all: true },
        _sum: { memberTotal: true },
      }),
      db.roleGrant.findMany({
        where: { org: under },
        select: { role: true, member: { select: { _count: { select: { identities: true } } } } },
      }),
      db.enrolment.groupBy({
        by: ['periodId'],
        where: { periodId: { in: p.periods.map((x) => x.id) }, kind: { not: 'none' } },
        _count: { _all: true },
      }),
      db.enrolment.groupBy({
        by: ['periodId'],
        where: { periodId: { in: p.periods.map((x) => x.id) }, kind: { not: 'none' }, paid: true },
        _count: { _all: true },
      }),
    ]);
    const roles = new Map<string, { count: number; withoutChat: number }>();
    for (const g of grants) {
      const r = roles.get(g.role) ?? { count: 0, withoutChat: 0 };
      r.count++;
      if (g.member._count.identities === 0) r.withoutChat++;
      roles.set(g.role, r);
    }
    const countOf = (rows: { periodId: number; _count: { _all: number } }[], id: number) =>
      rows.find((r) => r.periodId === id)?._count._all ?? 0;
    out.push({
      code: p.code,
      name: p.name,
      federation: { code: p.federation.code, name: p.federation.name },
      periods: p.periods.map((x) => ({
        number: x.number,
        name: x.name,
        startsOn: x.startsOn,
        endsOn: x.endsOn,
        current: x.current,
        closedOn: x.closedOn,
        enrolments: countOf(counts, x.id),
        paid: countOf(paid, x.id),
      })),
      units: kinds.map((k) => ({ kind: k.kind, count: k._count._all })),
      categories: cats.map((c) => ({
        category: c.category ?? '',
        units: c._count._all,
        memberTotal: c._sum.memberTotal ?? 0,
      })),
      roles: [...roles].map(([role, r]) => ({ role, ...r })),
    });
  }
  return out;
}
