import { describe, expect, it } from 'vitest';
import {
  CLAIM_EVENTS,
  CLAIM_STATUSES,
  type ClaimEvent,
  type ClaimStatus,
  parseClaimStatus,
  pendingLevel,
  transition,
} from '../../src/rules/index.js';
import { decisionTransition } from '../../src/services/approvals.js';

/** Every move the programme allows, written out by hand (not read back from the table under test). */
const ALLOWED: [ClaimStatus, ClaimEvent, ClaimStatus][] = [
  ['submitted', 'approve', 'approved'],
  ['submitted', 'approve_l1', 'approved_l1'],
  ['submitted', 'reject', 'rejected'],
  ['submitted', 'needs_info', 'needs_info'],
  ['approved_l1', 'approve', 'approved'],
  ['approved_l1', 'reject', 'rejected'],
  ['approved_l1', 'needs_info', 'needs_info'],
  ['needs_info', 'resubmit', 'submitted'],
  ['approved', 'pay', 'paid'],
];

describe('the claim state machine', () => {
  it.each(ALLOWED)('%s —%s→ %s', (from, event, to) => {
    expect(transition(from, event)).toEqual({ ok: true, from, event, to });
  });

  // every other (status, event) pair of the product is refused, named
  const allowed = new Set(ALLOWED.map(([f, e]) => `${f}:${e}`));
  const forbidden = CLAIM_STATUSES.flatMap((f) => CLAIM_EVENTS.map((e) => [f, e] as const)).filter(
    ([f, e]) => !allowed.has(`${f}:${e}`),
  );
  it('refuses every move not in the table (45 of 54), e.g. paying twice or approving a rejection', () => {
    expect(forbidden).toHaveLength(CLAIM_STATUSES.length * CLAIM_EVENTS.length - ALLOWED.length);
    expect(forbidden).toContainEqual(['paid', 'pay']);
    expect(forbidden).toContainEqual(['rejected', 'approve']);
    expect(forbidden).toContainEqual(['approved_l1', 'approve_l1']);
    expect(forbidden).toContainEqual(['submitted', 'pay']);
    for (const [from, event] of forbidden)
      expect(transition(from, event)).toEqual({ ok: false, reason: 'not_allowed', from, event });
  });

  it('rejected and paid are final', () => {
    for (const event of CLAIM_EVENTS) {
      expect(transition('rejected', event).ok).toBe(false);
      expect(transition('paid', event).ok).toBe(false);
    }
  });

  it('parses what the store holds and throws on anything else', () => {
    for (const s of CLAIM_STATUSES) expect(parseClaimStatus(s)).toBe(s);
    expect(() => parseClaimStatus('approved_L1')).toThrow(/unknown claim status "approved_L1"/);
    expect(() => parseClaimStatus('')).toThrow(/unknown claim status/);
  });

  it('an officer decides a submitted claim at level 1 and a claim past the office at level 2', () => {
    expect(pendingLevel('submitted')).toBe(1);
    expect(pendingLevel('approved_l1')).toBe(2);
    for (const s of ['needs_info', 'approved', 'rejected', 'paid'] as const) expect(pendingLevel(s)).toBeNull();
  });
});

describe("an officer's decision as a move of the machine", () => {
  it.each([
    ['submitted', 1, 'approve', { level: 1, to: 'approved' }],
    ['submitted', 2, 'approve', { level: 1, to: 'approved_l1' }],
    ['submitted', 2, 'reject', { level: 1, to: 'rejected' }],
    ['submitted', 1, 'needs_info', { level: 1, to: 'needs_info' }],
    ['approved_l1', 2, 'approve', { level: 2, to: 'approved' }],
    ['approved_l1', 2, 'needs_info', { level: 2, to: 'needs_info' }],
    ['approved', 1, 'approve', null],
    ['needs_info', 1, 'approve', null],
    ['paid', 2, 'reject', null],
  ] as const)('%s (levels %i) + %s', (status, levels, decision, want) => {
    expect(decisionTransition(status, levels, decision)).toEqual(want);
  });
});
