/**
 * The bot: a normalised message in, replies out. Identity first (unknown users are bound to the roster), then a
 * form in progress, then the intent of a fresh message. Each user's turns run one at a time (a lock shared by
 * every instance), so two quick messages cannot corrupt a form.
 */
import { personByChat } from '../services/people.js';
import { NotFoundError } from '../services/periods.js';
import type { BotDeps, Turn } from './context.js';
import { readDialog, writeDialog } from './dialog.js';
import { isAnnounceAction, onAnnounceClick, startAnnouncement } from './flows/announce.js';
import {
  approvedUnpaid,
  cancelDecision,
  continueDecision,
  MARK_PAID,
  markPaidCommand,
  onCardClick,
  pendingAsCards,
  sendApprovalCards,
} from './flows/approvals.js';
import { bindOnBehalf, continueBinding, startBinding } from './flows/bind.js';
import { continueClaim, startClaim } from './flows/claim.js';
import { missingMembersReply, rankingReply, unitProgressReply } from './flows/progress.js';
import { continueSupplement, SUPPLEMENT, startSupplement } from './flows/supplement.js';
import { claimStatus, confirmEnrol, deadlines, startEnrol, status } from './flows/worker.js';
import { parseIntent } from './intent.js';
import type { InboundMessage, OutboundMessage } from './messages.js';

export type BotHandler = (msg: InboundMessage) => Promise<OutboundMessage[]>;

const CANCEL = /^(取消|算了|不要了|退出|不办了|cancel)$/i;
const RESUME = /^(继续|接着填|继续填写|继续申请)$/;
const PROXY_BIND = /^代绑\s+([A-Za-z0-9_.@-]{1,64})\s+([\p{Script=Han}A-Za-z·]{2,30})\s+([0-9]{3}[0-9Xx])$/u;

const FLOW_NAMES = {
  bind: '身份绑定',
  enrol: '参互登记',
  claim: '补助申请',
  decision: '审批',
  supplement: '补充材料',
} as const;
const APPROVED_UNPAID = /^(已批未付|待支付|已批准未支付)$/;

export function createBot(input: BotDeps): BotHandler {
  const deps: BotDeps = {
    onCardClick: (t) =>
      isAnnounceAction(t.msg.action)
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
    if (msg.kind === 'card_click') {
      if (!person) return [turn.say('bind_first')];
      return deps.onCardClick ? deps.onCardClick(turn as Turn & { msg: typeof msg }) : [turn.say('card_unknown')];
    }

    const text = msg.kind === 'text' ? msg.text.normalize('NFKC').trim() : '';
    const dialog = await readDialog(deps.store, msg.platform, msg.userId);
    if (dialog && msg.kind === 'text' && CANCEL.test(text)) {
      await writeDialog(deps.store, msg.platform, msg.userId, null);
      // the card clicked for a reason gets its buttons back
      if (dialog.flow === 'decision') await cancelDecision(deps, msg.platform, dialog);
      return [turn.say('cancelled', { flow: FLOW_NAMES[dialog.flow] })];
    }

    if (!person) {
      if (dialog?.flow === 'bind' && msg.kind === 'text') {
        const intent = parseIntent(text, { now: deps.now() }).intent;
        if (intent === 'help') return [turn.say('help_unbound')];
        return continueBinding(turn, dialog.step, dialog.name, text);
      }
      return startBinding(turn);
    }

    if (msg.kind === 'text') {
      const proxy = PROXY_BIND.exec(text);
      if (proxy) return bindOnBehalf(turn, person, proxy[1]!, proxy[2]!, proxy[3]!.toUpperCase());
      if (APPROVED_UNPAID.test(text)) return approvedUnpaid(turn, person);
      if (MARK_PAID.test(text)) return markPaidCommand(turn, person, text);
    }

    // people's words as they wrote them (the reason reaches the worker; a hospital name is stored)
    const words = msg.kind === 'text' ? msg.text.trim() : '';
    if (dialog?.flow === 'decision') return continueDecision(turn, dialog, words);
    if (dialog?.flow === 'supplement') return continueSupplement(turn, person, dialog, words);
    if (msg.kind === 'text' && SUPPLEMENT.test(text)) return startSupplement(turn, person, text);

    if (dialog && dialog.flow !== 'bind') {
      if (msg.kind === 'text' && RESUME.test(text)) {
        if (dialog.flow === 'claim')
          return [
            turn.say(`claim_ask_${dialog.step === 'selfPaid' ? 'self_paid' : dialog.step}`, { draft: dialog.draft }),
          ];
        return [turn.say('enrol_confirm_again')];
      }
      // a question in the middle of a form is answered, and the form waits for "继续"
      const parsed = msg.kind === 'text' ? parseIntent(text, { now: deps.now() }) : null;
      const interrupt =
        parsed &&
        !['unknown', 'cancel', 'claim', 'enrol'].includes(parsed.intent) &&
        !(dialog.flow === 'claim' && dialog.step === 'hospital');
      if (interrupt && parsed) {
        const answer = await byIntent(turn, parsed.intent, text);
        return [...answer, turn.say('form_waiting', { flow: FLOW_NAMES[dialog.flow] })];
      }
      if (dialog.flow === 'enrol') return confirmEnrol(turn, person, dialog, text);
      return continueClaim(turn, person, dialog.step, dialog.draft, dialog.periodId);
    }

    if (msg.kind === 'image') return [turn.say('image_without_form')];
    if (text.length > 2000) return [turn.say('too_long')];
    return byIntent(turn, parseIntent(text, { now: deps.now() }).intent, text);
  };

  async function byIntent(turn: Turn, intent: string, text: string): Promise<OutboundMessage[]> {
    const p = turn.person!;
    switch (intent) {
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
        return startAnnouncement(turn, p, parseIntent(text, { now: deps.now() }).slots.announceText);
      case 'cancel':
        return [turn.say('nothing_to_cancel')];
      case 'help':
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
