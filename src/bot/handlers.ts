/**
 * What each intent does for a bound person: one handler per intent, in a record the type system checks is
 * complete (`satisfies Record<Intent, Handler>`), so a new intent without a handler fails the typecheck.
 */
import type { TurnReply } from '../core/messages.js';
import type { BoundTurn } from './context.js';
import { startAnnouncement } from './flows/announce.js';
import { approvedUnpaid, markPaidCommand, pendingAsCards } from './flows/approvals.js';
import { bindOnBehalf } from './flows/bind.js';
import { startClaim } from './flows/claim.js';
import { estimateReply, policyAnswer } from './flows/policy-answers.js';
import { missingMembersReply, rankingReply, unitProgressReply } from './flows/progress.js';
import { claimStatus, deadlines, startEnrol, status } from './flows/worker.js';
import type { Intent, ParsedIntent } from './intent.js';

/** `text`: the message as typed (an estimate reads its own wording; a clarified choice passes the first message) */
export type Handler = (t: BoundTurn, parsed: ParsedIntent, text: string) => Promise<TurnReply[]>;

const roleNames = (t: BoundTurn) => t.person.roles.map((r) => r.role);
const help: Handler = async (t) => [t.say('help', { roles: roleNames(t) })];
const notUnderstood: Handler = async (t) => [t.say('help', { roles: roleNames(t), unknown: true })];

export const HANDLERS = {
  status: (t) => status(t, t.person),
  enrol: (t) => startEnrol(t, t.person),
  claim: (t) => startClaim(t, t.person),
  claim_status: (t) => claimStatus(t, t.person),
  deadlines: (t) => deadlines(t),
  ranking: (t) => rankingReply(t, t.person),
  unit_progress: (t) => unitProgressReply(t, t.person),
  missing_members: (t) => missingMembersReply(t, t.person),
  pending_approvals: (t) => pendingAsCards(t, t.person),
  announce: (t, { slots }) => startAnnouncement(t, t.person, slots.announceText),
  approved_unpaid: (t) => approvedUnpaid(t, t.person),
  mark_paid: (t, parsed, text) =>
    parsed.slots.paid ? markPaidCommand(t, t.person, parsed.slots.paid) : notUnderstood(t, parsed, text),
  proxy_bind: async (t, { slots }) =>
    slots.proxy
      ? bindOnBehalf(t, t.person, slots.proxy.userId, slots.proxy.name, slots.proxy.last4)
      : [t.say('bind_proxy_format')],
  estimate: (t, _parsed, text) => estimateReply(t, t.person, text),
  policy_question: (t, { slots }) => policyAnswer(t, slots),
  thanks: async (t) => [t.say('thanks')],
  cancel: async (t) => [t.say('nothing_to_cancel')],
  help,
  capabilities: help,
  unknown: notUnderstood,
} satisfies Record<Intent, Handler>;
