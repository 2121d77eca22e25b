/**
 * The claim state machine (submitted → needs_info / approved_l1 / approved / rejected → paid). A decision is a
 * conditional update on (status, version) inside one transaction, so a double click, a retried callback or
 * two officers at the same moment give exactly one decision; the others learn who decided.
 */

import { z } from 'zod';
import { faultPoint } from '../core/fault.js';
import { providerOfDb } from '../db/bulk.js';
import type { Db } from '../db/client.js';
import type { Claim } from '../generated/sqlite/client.js';
import {
  type CapGrant,
  type ClaimEvent,
  type ClaimStatus,
  COUNTED_CLAIM_STATUSES,
  capGrant,
  isIn,
  type Policy,
  parseClaimStatus,
  pendingLevel,
  transition,
} from '../rules/index.js';
import { decisionStore } from './approvals-store.js';
import { type ClaimCardRows, otherClaimsOf } from './claim-card-rows.js';
import { type ClaimOutboxPlan, planClaimDeliveries } from './claim-outbox.js';
import { countedByOthers, type Tx } from './claims.js';
import { lockMember } from './locks.js';
import { memberEntryStanding } from './participation.js';
import { type PeriodWithPolicy, periodById } from './periods.js';

export type Decision = 'approve' | 'reject' | 'needs_info';

export const DECISION_LABEL: Record<Decision, string> = { approve: '批准', reject: '驳回', needs_info: '补材料' };

/**
 * The machine's event for an officer's decision on a claim in `status`, and the level deciding it: the first
 * level's approval of a claim that needs two is `approve_l1`; the centre's (or a one-level claim's) is final.
 */
export function decisionEvent(
  status: ClaimStatus,
  levelsRequired: number,
  decision: Decision,
): { level: 1 | 2; event: ClaimEvent } | null {
  const level = pendingLevel(status);
  if (!level) return null;
  if (decision !== 'approve') return { level, event: decision };
  return { level, event: level === 1 && levelsRequired >= 2 ? 'approve_l1' : 'approve' };
}

/** Which status a decision leads to, from which status, at which approval level; null when it may not move. */
export function decisionTransition(
  status: ClaimStatus,
  levelsRequired: number,
  decision: Decision,
): { level: 1 | 2; to: ClaimStatus } | null {
  const e = decisionEvent(status, levelsRequired, decision);
  if (!e) return null;
  const t = transition(status, e.event);
  return t.ok ? { level: e.level, to: t.to } : null;
}

export type DecideResult =
  | {
      ok: true;
      claimId: number;
      /** whose standing changed (the worker's cached status is dropped) */
      periodId: number;
      memberId: number;
      from: ClaimStatus;
      to: ClaimStatus;
      level: number;
      grant: CapGrant | null;
      /** Delivery rows planned with the decision (notice, card redraws, next level's cards): enqueue them */
      deliveries: string[];
      /** the claim after the decision and the member's other claims, as read in its transaction: a card's rows */
      card: ClaimCardRows;
    }
  | { ok: false; reason: 'not_found' | 'forbidden' }
  | { ok: false; reason: 'cap_reached'; grant: CapGrant }
  /** the member's unit breaks the entry rules (seeds 002, 004): no subsidy; rejecting stays possible */
  | { ok: false; reason: 'entry_breach'; message: string }
  | { ok: false; reason: 'already_decided'; decidedBy?: string; decidedAt?: Date; status?: ClaimStatus };

export interface Approver {
  memberId: number;
  /** offices the approver is officer of */
  offices: number[];
  centre: boolean;
}

/**
 * May this person act on (or learn anything about) this claim: an officer of the claim's office, or the centre
 * for a claim that needs its approval. Anyone else learns nothing, not even that the claim exists.
 */
export function mayHandle(claim: { officeId: number | null; levelsRequired: number }, who: Approver): boolean {
  if (claim.officeId !== null && who.offices.includes(claim.officeId)) return true;
  return who.centre && claim.levelsRequired >= 2;
}

/** May this person take the decision of `level` (1 = the office, 2 = the centre)? */
export function mayDecide(claim: { officeId: number | null }, level: number, who: Approver): boolean {
  return level === 1 ? claim.officeId !== null && who.offices.includes(claim.officeId) : who.centre;
}

export async function lastDecision(db: Db | Tx, claimId: number) {
  const a = await db.approval.findFirst({ where: { claimId }, orderBy: { id: 'desc' } });
  if (!a) return null;
  const m = await db.member.findUnique({ where: { id: a.approverId }, select: { name: true } });
  return { ...a, approverName: m?.name ?? '' };
}

const Breakdown = z.object({ uncappedFen: z.number().int().nonnegative() }).loose();

/** The rules' amount for the stay before the cap, as stored at submission. */
export function uncappedOf(claim: { breakdown: string; subsidyFen: number }): number {
  try {
    const b = Breakdown.safeParse(JSON.parse(claim.breakdown));
    return b.success ? b.data.uncappedFen : claim.subsidyFen;
  } catch {
    return claim.subsidyFen;
  }
}

/**
 * What an approval of this claim would grant now: the stay's amount limited by what the member's other counted
 * claims leave of the cap. Shown on the card; decided again inside the decision's transaction.
 */
export async function grantNow(db: Db | Tx, claim: Claim, policy: Policy): Promise<CapGrant> {
  const others = await countedByOthers(db, claim.periodId, claim.memberId, claim.id);
  return capGrant(policy, uncappedOf(claim), others);
}

async function alreadyDecided(db: Db, claimId: number): Promise<DecideResult> {
  const last = await lastDecision(db, claimId);
  const now = await db.claim.findUnique({ where: { id: claimId }, select: { status: true } });
  return {
    ok: false,
    reason: 'already_decided',
    ...(now ? { status: parseClaimStatus(now.status) } : {}),
    ...(last ? { decidedBy: last.approverName, decidedAt: last.decidedAt } : {}),
  };
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
  /** plan what the decision causes (notice, card redraws, next level's cards) in its transaction */
  outbox?: Pick<ClaimOutboxPlan, 'platforms' | 'clicked'>,
): Promise<DecideResult> {
  // the same statements on SQLite's connection directly or through Prisma (approvals-store.ts)
  const store = decisionStore(db);
  // read with what its card shows, so the clicked card is drawn after the decision without reading it again
  const claim = await store.readClaim(claimId);
  if (!claim) return { ok: false, reason: 'not_found' };
  // who first: a stranger learns nothing of the claim's state or of who decided it
  if (!mayHandle(claim, who)) return { ok: false, reason: 'forbidden' };
  const from = parseClaimStatus(claim.status);
  const t = decisionTransition(from, claim.levelsRequired, decision);
  if (!t) return alreadyDecided(db, claimId);
  if (!mayDecide(claim, t.level, who)) return { ok: false, reason: 'forbidden' };
  const period = await periodById(db, claim.periodId);
  const { policy } = period;
  type TxResult =
    | { won: true; grant: CapGrant | null; deliveries: string[]; card: ClaimCardRows }
    | { won: false; grant?: CapGrant; breach?: string };
  const r = await store.transaction(async (tx, w): Promise<TxResult> => {
    // the cap is the member's over the period: approvals of their claims run one at a time
    await lockMember(db, tx, claim.memberId);
    // the entry rules are read in the transaction that approves: a unit found in breach before the commit refuses it
    if (decision === 'approve') {
      const entry = await memberEntryStanding(tx, period, claim.memberId);
      if (!entry.ok) return { won: false, breach: entry.reason };
    }
    // the member's other claims, read once: what they hold against the cap, and what the card compares
    const others = await otherClaimsOf(tx, claim);
    let grant: CapGrant | null = null;
    if (decision === 'approve') {
      const counted = others
        .filter((o) => isIn(COUNTED_CLAIM_STATUSES, parseClaimStatus(o.status)))
        .reduce((sum, o) => sum + o.subsidyFen, 0);
      grant = capGrant(policy, uncappedOf(claim), counted);
      if (grant.grantedFen === 0) return { won: false, grant };
    }
    // the state guard: a double click, a retried callback or a second officer finds the claim moved on
    const moved = await w.moveClaim(
      claimId,
      { status: from, version: claim.version },
      { status: t.to, ...(grant ? { subsidyFen: grant.grantedFen } : {}) },
    );
    if (moved !== 1) return { won: false };
    const approval = await w.recordApproval({
      claimId,
      approverId: who.memberId,
      level: t.level,
      decision,
      comment,
      decidedAt: now,
    });
    await w.audit(actor, `claim.${decision}`, 'Claim', claimId, {
      from,
      to: t.to,
      level: t.level,
      comment,
      ...(grant ? { grantedFen: grant.grantedFen, cappedBy: grant.cappedBy } : {}),
    });
    const deliveries = outbox
      ? await planClaimDeliveries(
          tx,
          claimId,
          {
            ...outbox,
            notice: { to: t.to, comment },
            refresh: true,
            ...(t.to === 'approved_l1' ? { cardsLevel: 2 } : {}),
          },
          // the update above moved the version on by one: the plan needs no read of the claim
          { version: claim.version + 1, officeId: claim.officeId, memberId: claim.memberId },
          providerOfDb(db),
        )
      : [];
    const after = {
      ...claim,
      status: t.to,
      version: claim.version + 1,
      ...(grant ? { subsidyFen: grant.grantedFen } : {}),
      approvals: [...claim.approvals, approval],
    };
    return { won: true, grant, deliveries, card: { claim: after, others } };
  });
  faultPoint('decision-commit');
  if (!r.won) {
    if (r.breach !== undefined) return { ok: false, reason: 'entry_breach', message: r.breach };
    if (r.grant) return { ok: false, reason: 'cap_reached', grant: r.grant };
    return alreadyDecided(db, claimId);
  }
  return {
    ok: true,
    claimId,
    periodId: claim.periodId,
    memberId: claim.memberId,
    from,
    to: t.to,
    level: t.level,
    grant: r.grant,
    deliveries: r.deliveries,
    card: r.card,
  };
}

/** The entry rules for a claim's member: the unit they enrolled through in the claim's period (their unit if none). */
export function claimEntryStanding(db: Db, period: PeriodWithPolicy, memberId: number) {
  return memberEntryStanding(db, period, memberId);
}
