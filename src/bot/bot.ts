/**
 * The bot: a normalised message in, replies out. Identity first (unknown users are bound to the roster), then a
 * form in progress, then the intent of a fresh message. Each user's turns run one at a time (a lock shared by
 * every instance), so two quick messages cannot corrupt a form.
 */

import type { InboundMessage, OutboundMessage } from '../core/messages.js';
import { personByChat } from '../services/people.js';
import { NotFoundError } from '../services/periods.js';
import type { BotDeps, Turn } from './context.js';
import { readDialog, writeDialog } from './dialog.js';
import { exportReply, isAdminFileAction, onAdminFileClick, onFileMessage } from './flows/admin-files.js';
import { isAnnounceAction, onAnnounceClick, startAnnouncement } from './flows/announce.js';
import {
  approvedUnpaid,
  cancelDecision,
  continueDecision,
  markPaidCommand,
  onCardClick,
  pendingAsCards,
  sendApprovalCards,
} from './flows/approvals.js';
import { bindOnBehalf, continueBinding, startBinding } from './flows/bind.js';
import { continueClaim, startClaim } from './flows/claim.js';
import { collectFeesCommand, isFeeAction, onFeeClick } from './flows/fees.js';
import { estimateReply, policyAnswer } from './flows/policy-answers.js';
import { missingMembersReply, rankingReply, unitProgressReply } from './flows/progress.js';
import { isApplicationFile, onApplicationFile, reconcileReply, yearReportReply } from './flows/reports.js';
import { continueSupplement, SUPPLEMENT, startSupplement } from './flows/supplement.js';
import { claimStatus, confirmEnrol, deadlines, startEnrol, status } from './flows/worker.js';
import { CLARIFY_BELOW, type Intent, type ParsedIntent, parseIntent, warmUp } from './intent.js';
import { choicesFor, pickedChoice, readClarify, writeClarify } from './nlu/clarify.js';
import { exportCommand } from './nlu/commands.js';
import { deskCommand } from './nlu/desk-commands.js';
import { fold } from './normalise.js';

export type BotHandler = (msg: InboundMessage) => Promise<OutboundMessage[]>;

// matched on the folded text (full-width, traditional); the text itself is passed on as the person typed it
const CANCEL = /^(取消|算了|不要了|退出|不办了|cancel)$/i;
const RESUME = /^(继续|接着填|继续填写|继续申请)$/;
/** 代绑 that the command rule did not take (bare, or a field wrong): its format is shown */
const PROXY_HEAD = /^代绑/;
/** longer than this the bot asks for a sentence instead of reading it (an announcement has its own limit) */
const TOO_LONG = 2000;

const FLOW_NAMES = {
  bind: '身份绑定',
  enrol: '参互登记',
  claim: '补助申请',
  decision: '审批',
  supplement: '补充材料',
} as const;
/** commands that act at once, even in the middle of a form (recognised by rule, slots exact) */
const IMMEDIATE = new Set<Intent>(['proxy_bind', 'mark_paid', 'approved_unpaid']);
/** in the middle of a form these are read as the form's answer, not answered on their own */
const NOT_AN_INTERRUPTION = new Set<Intent>(['unknown', 'cancel', 'claim', 'enrol', 'thanks', 'estimate']);

/** intents that are not a question to answer after binding (a greeting, help: the binding reply says enough) */
const NOT_A_QUESTION = new Set<Intent>(['unknown', 'help', 'capabilities', 'thanks', 'cancel']);

/** The first message of a person not bound yet, when it asks something: kept to be answered once bound. */
function worthAnswering(text: string): string | undefined {
  if (!text || text.length > TOO_LONG) return undefined;
  const parsed = parseIntent(text, {});
  return NOT_A_QUESTION.has(parsed.intent) ? undefined : text;
}

export function createBot(input: BotDeps): BotHandler {
  warmUp();
  const deps: BotDeps = {
    onCardClick: (t) =>
      isAdminFileAction(t.msg.action)
        ? onAdminFileClick(t)
        : isFeeAction(t.msg.action)
          ? onFeeClick(t)
          : isAnnounceAction(t.msg.action)
            ? deps.enqueue
              ? onAnnounceClick(t, deps.enqueue)
              : Promise.resolve([t.say('card_unknown')])
            : onCardClick(t),
    onClaimSubmitted: async (claimId) => {
      await sendApprovalCards(deps, claimId, 1);
    },
    ...input,
  };
  const handle = async (msg: InboundMessage): Promise<OutboundMessage[]> => {
    const turn: Turn = {
      deps,
      msg,
      person: null,
      say: (key, vars = {}) => ({ kind: 'text', text: deps.templates.render(key, vars) }),
    };
    if (msg.kind === 'unsupported') return [turn.say('unsupported', { type: msg.originalType })];
    if (msg.kind === 'event') return msg.event === 'enter_agent' ? [turn.say('welcome')] : [];

    const person = await personByChat(deps.db, msg.platform, msg.userId);
    turn.person = person;
    // an office's file (admins only; anyone else is refused before it is downloaded)
    if (msg.kind === 'file')
      return isApplicationFile(person, msg.name)
        ? onApplicationFile(turn as Turn & { msg: typeof msg }, person)
        : onFileMessage(turn as Turn & { msg: typeof msg }, person);
    if (msg.kind === 'card_click') {
      if (!person) return [turn.say('bind_first')];
      return deps.onCardClick ? deps.onCardClick(turn as Turn & { msg: typeof msg }) : [turn.say('card_unknown')];
    }

    // Keep people's words: what is stored or forwarded (announcements, reasons, names, hospitals) is the text as
    // typed, with its ，！：; only the matching keys are folded (normalise.ts).
    const text = msg.kind === 'text' ? msg.text.trim() : '';
    const folded = fold(text);
    const dialog = await readDialog(deps.store, msg.platform, msg.userId);
    if (dialog && msg.kind === 'text' && CANCEL.test(folded)) {
      await writeDialog(deps.store, msg.platform, msg.userId, null);
      // the card clicked for a reason gets its buttons back
      if (dialog.flow === 'decision') await cancelDecision(deps, msg.platform, dialog);
      return [turn.say('cancelled', { flow: FLOW_NAMES[dialog.flow] })];
    }

    if (!person) {
      if (text.length > TOO_LONG) return [turn.say('too_long', { length: text.length })];
      if (dialog?.flow === 'bind' && msg.kind === 'text') {
        const intent = parseIntent(text, { now: deps.now() }).intent;
        if (intent === 'help' || intent === 'capabilities') return [turn.say('help_unbound')];
        // the name and ID digits are compared with the roster, never stored as typed: NFKC is a matching key here
        const r = await continueBinding(turn, dialog, text.normalize('NFKC'));
        if (r.kind !== 'bound' || !r.first) return r.replies;
        // the question the person asked before binding is answered now, as if asked again
        return [...r.replies, ...(await handle({ ...msg, text: r.first }))];
      }
      return startBinding(turn, msg.kind === 'text' ? worthAnswering(text) : undefined);
    }

    const roles = person.roles.map((r) => r.role);
    const exported = msg.kind === 'text' ? exportCommand(text) : null;
    if (exported) return exportReply(turn, person, exported);
    const desk = msg.kind === 'text' ? deskCommand(text) : null;
    if (desk?.what === 'collect_fees') return collectFeesCommand(turn, person, desk.tokens);
    if (desk?.what === 'reconcile') return reconcileReply(turn, person);
    if (desk?.what === 'year_report') return yearReportReply(turn, person, desk.year);
    const parsed = msg.kind === 'text' && text ? parseIntent(text, { now: deps.now(), roles }) : null;
    if (parsed?.by === 'rule' && IMMEDIATE.has(parsed.intent)) return byIntent(turn, parsed, text);

    // the answer to "您是想：1 … 2 …": a number picks the choice; anything else drops the question
    const asked = msg.kind === 'text' ? await readClarify(deps.store, msg.platform, msg.userId) : null;
    if (asked) {
      await writeClarify(deps.store, msg.platform, msg.userId, null);
      const i = pickedChoice(text, asked.options.length);
      if (i !== null && !dialog) {
        const again = parseIntent(asked.text, { now: deps.now(), roles });
        return byIntent(turn, { ...again, intent: asked.options[i]! }, asked.text);
      }
    }

    // people's words as they wrote them (the reason reaches the worker; a hospital name is stored)
    if (dialog?.flow === 'decision') return continueDecision(turn, dialog, text);
    if (dialog?.flow === 'supplement') return continueSupplement(turn, person, dialog, text);
    if (msg.kind === 'text' && SUPPLEMENT.test(folded)) return startSupplement(turn, person, text);

    if (dialog && dialog.flow !== 'bind') {
      if (msg.kind === 'text' && RESUME.test(folded)) {
        if (dialog.flow === 'claim')
          return [
            turn.say(`claim_ask_${dialog.step === 'selfPaid' ? 'self_paid' : dialog.step}`, { draft: dialog.draft }),
          ];
        return [turn.say('enrol_confirm_again')];
      }
      // a clear question in the middle of a form is answered, and the form waits for "继续"
      const interrupt =
        parsed &&
        !NOT_AN_INTERRUPTION.has(parsed.intent) &&
        parsed.confidence >= CLARIFY_BELOW &&
        !(dialog.flow === 'claim' && dialog.step === 'hospital');
      if (interrupt && parsed) {
        const answer = await byIntent(turn, parsed, text);
        return [...answer, turn.say('form_waiting', { flow: FLOW_NAMES[dialog.flow] })];
      }
      if (dialog.flow === 'enrol') return confirmEnrol(turn, person, dialog, folded);
      return continueClaim(turn, person, dialog.step, dialog.draft, dialog.periodId);
    }

    if (msg.kind === 'image') return [turn.say('image_without_form')];
    if (text.length > TOO_LONG && parsed?.intent !== 'announce') return [turn.say('too_long', { length: text.length })];
    if (msg.kind === 'text' && RESUME.test(folded)) return [turn.say('nothing_to_resume')];
    if (msg.kind === 'text' && PROXY_HEAD.test(folded) && parsed?.intent !== 'proxy_bind')
      return [
        turn.say(roles.includes('rep') || roles.includes('officer') ? 'bind_proxy_format' : 'forbidden', {
          what: '代为绑定',
        }),
      ];
    if (!parsed) return [turn.say('help', { roles, unknown: true })];
    // unsure: one short question with numbered choices instead of a guess
    const choices = choicesFor(parsed);
    if (choices.length > 0) {
      await writeClarify(deps.store, msg.platform, msg.userId, { options: choices, text });
      return [turn.say('clarify', { options: choices })];
    }
    return byIntent(turn, parsed, text);
  };

  async function byIntent(turn: Turn, parsed: ParsedIntent, text: string): Promise<OutboundMessage[]> {
    const p = turn.person!;
    const { slots } = parsed;
    switch (parsed.intent) {
      case 'status':
        return status(turn, p);
      case 'enrol':
        return startEnrol(turn, p);
      case 'claim':
        return startClaim(turn, p);
      case 'claim_status':
        return claimStatus(turn, p);
      case 'deadlines':
        return deadlines(turn);
      case 'ranking':
        return rankingReply(turn, p);
      case 'unit_progress':
        return unitProgressReply(turn, p);
      case 'missing_members':
        return missingMembersReply(turn, p);
      case 'pending_approvals':
        return pendingAsCards(turn, p);
      case 'announce':
        return startAnnouncement(turn, p, slots.announceText);
      case 'approved_unpaid':
        return approvedUnpaid(turn, p);
      case 'mark_paid':
        // the flow reads the claim numbers from the command's canonical form
        return slots.paid
          ? markPaidCommand(turn, p, slots.paid === 'all' ? '全部已支付' : `已支付 ${slots.paid.join(',')}`)
          : [turn.say('help', { roles: p.roles.map((r) => r.role), unknown: true })];
      case 'proxy_bind':
        return slots.proxy
          ? bindOnBehalf(turn, p, slots.proxy.userId, slots.proxy.name, slots.proxy.last4)
          : [turn.say('bind_proxy_format')];
      case 'estimate':
        return estimateReply(turn, p, text, slots);
      case 'policy_question':
        return policyAnswer(turn, slots);
      case 'thanks':
        return [turn.say('thanks')];
      case 'cancel':
        return [turn.say('nothing_to_cancel')];
      case 'help':
      case 'capabilities':
        return [turn.say('help', { roles: p.roles.map((r) => r.role) })];
      default:
        return [turn.say('help', { roles: p.roles.map((r) => r.role), unknown: true })];
    }
  }

  return async (msg) => {
    try {
      return await deps.store.withLock(`turn:${msg.platform}:${msg.userId}`, 30_000, () => handle(msg), 8_000);
    } catch (e) {
      if (e instanceof NotFoundError) return [{ kind: 'text', text: deps.templates.render('no_period') }];
      deps.log.error({ err: e, platform: msg.platform, kind: msg.kind }, 'bot turn failed');
      return [{ kind: 'text', text: deps.templates.render('internal_error') }];
    }
  };
}
