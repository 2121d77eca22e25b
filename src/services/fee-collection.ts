/**
 * A rep's 已收费 in chat (issue #15 item 3): the rep names the people whose fee the unit collected, by name or by
 * the last 4 digits of the ID number; each is looked up among the enrolments of the rep's own units in the period.
 * Recording goes through the same writer as the remittance list (programme/fees.ts, markEnrolmentsPaid): a payment
 * already recorded is left as it was, so a second click or a second message changes nothing.
 */
import type { Db } from '../db/client.js';
import { audit } from './audit.js';
import { markEnrolmentsPaid } from './programme/fees.js';

export interface CollectedPerson {
  enrolmentId: number;
  name: string;
  idLast4: string;
  unitName: string;
  feeFen: number;
  paid: boolean;
}

export interface FeeLookup {
  /** one enrolment each, in the order the rep named them (a person named twice appears once) */
  found: CollectedPerson[];
  /** a name or tail that fits several people: the rep names them again with both */
  ambiguous: { token: string; candidates: { name: string; idLast4: string }[] }[];
  /** names or tails that fit nobody enrolled in the rep's units this period */
  unknown: string[];
}

const TAIL = /^\d{3}[\dX]$/;

/**
 * The units a rep answers for: each unit of their role and its sub-units (分工会), whose members are enrolled under
 * their own unit. Org.path lists ancestors and self ("/1/5/23/").
 */
export async function repUnitIds(db: Db, orgIds: readonly number[]): Promise<number[]> {
  if (!orgIds.length) return [];
  const rows = await db.org.findMany({
    where: { OR: orgIds.map((id) => ({ path: { contains: `/${id}/` } })) },
    select: { id: true },
  });
  return [...new Set([...orgIds, ...rows.map((r) => r.id)])];
}

/** the key a token is matched on: full-width digits and letters folded, the tail's x upper-cased */
function key(token: string): string {
  const k = token.normalize('NFKC').replace(/\s+/g, '');
  return TAIL.test(k.toUpperCase()) ? k.toUpperCase() : k;
}

/** Looks each token up among the period's enrolments (未参 rows excluded) of these units. */
export async function lookUpFeePayers(
  db: Db,
  periodId: number,
  unitIds: readonly number[],
  tokens: readonly string[],
): Promise<FeeLookup> {
  const keys = tokens.map((t) => ({ token: t, key: key(t) }));
  const names = keys.filter((k) => !TAIL.test(k.key)).map((k) => k.key);
  const tails = keys.filter((k) => TAIL.test(k.key)).map((k) => k.key);
  const rows = await db.enrolment.findMany({
    where: {
      periodId,
      unitId: { in: [...unitIds] },
      kind: { not: 'none' },
      member: { OR: [{ name: { in: names } }, { idLast4: { in: tails } }] },
    },
    select: {
      id: true,
      feeFen: true,
      paid: true,
      unitId: true,
      member: { select: { name: true, idLast4: true } },
    },
    orderBy: { id: 'asc' },
  });
  // the enrolment has no relation to its unit (rankings read it without joins): the few names are read apart
  const unitNames = new Map(
    (
      await db.org.findMany({
        where: { id: { in: [...new Set(rows.map((r) => r.unitId))] } },
        select: { id: true, name: true },
      })
    ).map((u) => [u.id, u.name]),
  );
  const out: FeeLookup = { found: [], ambiguous: [], unknown: [] };
  const seen = new Set<number>();
  for (const k of keys) {
    const hits = rows.filter((r) => (TAIL.test(k.key) ? r.member.idLast4 === k.key : r.member.name === k.key));
    if (hits.length === 0) out.unknown.push(k.token);
    else if (hits.length > 1)
      out.ambiguous.push({
        token: k.token,
        candidates: hits.map((h) => ({ name: h.member.name, idLast4: h.member.idLast4 })),
      });
    else {
      const [h] = hits;
      if (!h || seen.has(h.id)) continue;
      seen.add(h.id);
      out.found.push({
        enrolmentId: h.id,
        name: h.member.name,
        idLast4: h.member.idLast4,
        unitName: unitNames.get(h.unitId) ?? '',
        feeFen: h.feeFen,
        paid: h.paid,
      });
    }
  }
  return out;
}

export interface FeeCollection {
  /** enrolments recorded paid now */
  paid: { enrolmentId: number; feeFen: number }[];
  /** already paid before (another click, the roster, a remittance list): left as they were */
  alreadyPaid: number;
}

/**
 * Records the fees of these enrolments as collected, only within the rep's units and the period (the ids come from
 * a card the rep saw; the units are checked again in case the rep's role changed since), with one audit entry.
 */
export async function recordCollectedFees(
  db: Db,
  o: { periodId: number; unitIds: readonly number[]; enrolmentIds: readonly number[]; actor: string; at: Date },
): Promise<FeeCollection> {
  return db.$transaction(async (tx) => {
    const rows = await tx.enrolment.findMany({
      where: { id: { in: [...o.enrolmentIds] }, periodId: o.periodId, unitId: { in: [...o.unitIds] } },
      select: { id: true, feeFen: true },
    });
    const moved = await markEnrolmentsPaid(
      tx,
      rows.map((r) => ({ id: r.id, paidAt: o.at })),
    );
    const paid = rows.filter((r) => moved.has(r.id)).map((r) => ({ enrolmentId: r.id, feeFen: r.feeFen }));
    const result = { paid, alreadyPaid: rows.length - paid.length };
    if (paid.length > 0)
      await audit(tx, o.actor, 'fees.collected', 'Period', o.periodId, {
        enrolments: paid.map((p) => p.enrolmentId),
        amountFen: paid.reduce((s, p) => s + p.feeFen, 0),
        alreadyPaid: result.alreadyPaid,
      });
    return result;
  });
}
