/**
 * The claim state machine (submitted → needs_info / approved_l1 / approved / rejected → paid). A decision is a
 * conditional update on (status, version) inside one transaction, so a double click, a retried callback or
 * two officers at the same moment give exactly one decision; the others learn who decided.
 */
import type { Db } from '../db/client.js';
import { audit } from './audit.js';

export type Decision = 'approve' | 'reject' | 'needs_info';

export const DECISION_LABEL: Record<Decision, string> = { approve: '批准', reject: '驳回', needs_info: '补材料' };

/** Which status a decision leads to, from which status, at which approval level. */
export function transition(
  status: string,
  levelsRequired: number,
  decision: Decision,
): { level: number; to: string } | null {
  if (status === 'submitted') {
    if (decision === 'approve') return { level: 1, to: levelsRequired >= 2 ? 'approved_l1' : 'approved' };
    return { level: 1, to: decision === 'reject' ? 'rejected' : 'needs_info' };
  }
  if (status === 'approved_l1') {
    if (decision === 'approve') return { level: 2, to: 'approved' };
    return { level: 2, to: decision === 'reject' ? 'rejected' : 'needs_info' };
  }
  return null;
}

export type DecideResult =
  | { ok: true; claimId: number; from: string; to: string; level: number }
  | {
      ok: false;
      reason: 'not_found' | 'forbidden' | 'already_decided';
      decidedBy?: string;
      decidedAt?: Date;
      status?: string;
    };

export interface Approver {
  memberId: number;
  /** offices the approver is officer of */
  offices: number[];
  centre: boolean;
}

export async function lastDecision(db: Db, claimId: number) {
  const a = await db.approval.findFirst({ where: { claimId }, orderBy: { id: 'desc' } });
  if (!a) return null;
  const m = await db.member.findUnique({ where: { id: a.approverId }, select: { name: true } });
  return { ...a, approverName: m?.name ?? '' };
}

export async function decide(
  db: Db,
  claimId: number,
  who: Approver,
  decision: Decision,
  comment: string | null,
  actor: string,
  /** the app's clock: the decision's time as people see it */
  now: Date = new Date(),
): Promise<DecideResult> {
  const claim = await db.claim.findUnique({ where: { id: claimId } });
  if (!claim) return { ok: false, reason: 'not_found' };
  const t = transition(claim.status, claim.levelsRequired, decision);
  if (!t) {
    const last = await lastDecision(db, claimId);
    return {
      ok: false,
      reason: 'already_decided',
      status: claim.status,
      ...(last ? { decidedBy: last.approverName, decidedAt: last.decidedAt } : {}),
    };
  }
  const allowed = t.level === 1 ? claim.officeId !== null && who.offices.includes(claim.officeId) : who.centre;
  if (!allowed) return { ok: false, reason: 'forbidden' };
  const won = await db.$transaction(async (tx) => {
    const u = await tx.claim.updateMany({
      where: { id: claimId, status: claim.status, version: claim.version },
      data: { status: t.to, version: { increment: 1 } },
    });
    if (u.count !== 1) return false;
    await tx.approval.create({
      data: { claimId, approverId: who.memberId, level: t.level, decision, comment, decidedAt: now },
    });
    await audit(tx, actor, `claim.${decision}`, 'Claim', claimId, {
      from: claim.status,
      to: t.to,
      level: t.level,
      comment,
    });
    return true;
  });
  if (!won) {
    const last = await lastDecision(db, claimId);
    const now = await db.claim.findUnique({ where: { id: claimId }, select: { status: true } });
    return {
      ok: false,
      reason: 'already_decided',
      ...(now ? { status: now.status } : {}),
      ...(last ? { decidedBy: last.approverName, decidedAt: last.decidedAt } : {}),
    };
  }
  return { ok: true, claimId, from: claim.status, to: t.to, level: t.level };
}

/** Marks approved claims of the officer's offices as paid; returns the claims that moved. */
export async function markPaid(db: Db, claimIds: number[], offices: number[], actor: string, now: Date) {
  const claims = await db.claim.findMany({
    where: { id: { in: claimIds }, status: 'approved', officeId: { in: offices } },
    select: { id: true },
  });
  const moved: number[] = [];
  for (const c of claims) {
    const ok = await db.$transaction(async (tx) => {
      const u = await tx.claim.updateMany({
        where: { id: c.id, status: 'approved' },
        data: { status: 'paid', paidAt: now, version: { increment: 1 } },
      });
      if (u.count === 1) await audit(tx, actor, 'claim.paid', 'Claim', c.id);
      return u.count === 1;
    });
    if (ok) moved.push(c.id);
  }
  return moved;
}
