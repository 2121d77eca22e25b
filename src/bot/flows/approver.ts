/**
 * Who is deciding, as the approval and payment flows both need it (kept apart from either, so neither imports the
 * other): the person's offices and whether they approve at the centre; and the worker's cached status to drop once a
 * claim of theirs changes.
 */
import type { Approver } from '../../services/approvals.js';
import { type Person, rolesOf } from '../../services/people.js';
import type { BotDeps } from '../context.js';
import { forgetStatus } from '../status-cache.js';

export function approverOf(p: Person): Approver {
  return {
    memberId: p.memberId,
    offices: rolesOf(p, 'officer').map((r) => r.orgId),
    centre: rolesOf(p, 'centre').length > 0,
  };
}

/** the worker's 我参加了吗 shows claims and what is left under the cap; a decision already knows whose it is */
export async function forgetWorkerStatus(deps: BotDeps, claim: number | { periodId: number; memberId: number }) {
  const c = typeof claim === 'number' ? await deps.services.claimCards.claimNoticeFacts(claim) : claim;
  await forgetStatus(deps.store, c.periodId, c.memberId);
}
