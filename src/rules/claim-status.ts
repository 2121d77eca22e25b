/**
 * The claim's life as a typed state machine. `Claim.status` is a plain String column (SQLite has no enums), so
 * the union lives here: every status read from the store is parsed by `ClaimStatus`, and every status written
 * is the answer of `transition(current, event)` — a move the table does not list is a typed refusal, never a
 * silently stored string.
 *
 * submitted ─approve──────→ approved ─pay→ paid
 *     │ └───approve_l1────→ approved_l1 ─approve→ approved
 *     ├─reject→ rejected        ├─reject→ rejected
 *     └─needs_info→ needs_info ←┘needs_info
 * needs_info ─resubmit→ submitted
 */
import { z } from 'zod';

export const CLAIM_STATUSES = ['submitted', 'needs_info', 'approved_l1', 'approved', 'rejected', 'paid'] as const;
export const ClaimStatus = z.enum(CLAIM_STATUSES);
export type ClaimStatus = z.infer<typeof ClaimStatus>;
/** A filed claim waits for its office. */
export const INITIAL_CLAIM_STATUS = 'submitted' satisfies ClaimStatus;

/**
 * What moves a claim: an officer's first-level approval of a claim that needs the centre (`approve_l1`), a final
 * approval (`approve`, by the office for a one-level claim or by the centre), a rejection, a request for more
 * material, the member's corrected resubmission and the office's payment.
 */
export const CLAIM_EVENTS = ['approve_l1', 'approve', 'reject', 'needs_info', 'resubmit', 'pay'] as const;
export type ClaimEvent = (typeof CLAIM_EVENTS)[number];

/** from → event → to. A status absent from a row's keys has no move on that event. */
export const CLAIM_TRANSITIONS = {
  submitted: { approve_l1: 'approved_l1', approve: 'approved', reject: 'rejected', needs_info: 'needs_info' },
  approved_l1: { approve: 'approved', reject: 'rejected', needs_info: 'needs_info' },
  needs_info: { resubmit: 'submitted' },
  approved: { pay: 'paid' },
  rejected: {},
  paid: {},
} as const satisfies Record<ClaimStatus, Partial<Record<ClaimEvent, ClaimStatus>>>;

export type ClaimTransition =
  | { ok: true; from: ClaimStatus; event: ClaimEvent; to: ClaimStatus }
  | { ok: false; reason: 'not_allowed'; from: ClaimStatus; event: ClaimEvent };

/** The status `event` leads to from `from`, or a refusal naming both. */
export function transition(from: ClaimStatus, event: ClaimEvent): ClaimTransition {
  const row: Partial<Record<ClaimEvent, ClaimStatus>> = CLAIM_TRANSITIONS[from];
  const to = row[event];
  return to ? { ok: true, from, event, to } : { ok: false, reason: 'not_allowed', from, event };
}

/** Parses a status read from the store; an unknown string is a broken row, so it throws with the value. */
export function parseClaimStatus(s: string): ClaimStatus {
  const r = ClaimStatus.safeParse(s);
  if (!r.success) throw new Error(`unknown claim status ${JSON.stringify(s)}`);
  return r.data;
}

/** Statuses a claim can still move from by an officer's decision, and the approval level it is waiting for. */
export function pendingLevel(status: ClaimStatus): 1 | 2 | null {
  if (status === 'submitted') return 1;
  if (status === 'approved_l1') return 2;
  return null;
}

/** Claims that hold part of the member's cap (approved at some level, or paid). */
export const COUNTED_CLAIM_STATUSES = ['approved_l1', 'approved', 'paid'] as const satisfies readonly ClaimStatus[];
/** Claims still alive for the stay-overlap check: everything but a rejection. */
export const LIVE_CLAIM_STATUSES = [
  'submitted',
  'needs_info',
  'approved_l1',
  'approved',
  'paid',
] as const satisfies readonly ClaimStatus[];
/** Decided for good (the card shows the outcome). */
export const DECIDED_CLAIM_STATUSES = ['approved', 'paid', 'rejected'] as const satisfies readonly ClaimStatus[];

/** `list.includes(s)` over a narrower tuple. */
export function isIn(list: readonly ClaimStatus[], s: ClaimStatus): boolean {
  return list.includes(s);
}
