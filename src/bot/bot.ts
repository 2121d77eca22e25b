/**
 * The bot: a normalised message in, replies out. Identity first (unknown users are bound to the roster), then a
 * form in progress, then the intent of a fresh message. Each user's turns run one at a time (a lock shared by
 * every instance), so two quick messages cannot corrupt a form.
 *
 * The message is read once (said.ts: its command and its intent); what an intent does is a record
 * (handlers.ts), what a dialog does with the next message is a record (dialog-flows.ts); this file only
 * decides the order in which they are asked.
 */

import type { InboundMessage, Reply, TurnReply } from '../core/messages.js';
import { NotFoundError } from '../services/periods.js';
import { type HandleOptions, turnLockKey } from '../state/turn.js';
import type { BotDeps, BoundTurn, Turn } from './context.js';
import { type Dialog, readDialog, writeDialog } from './dialog.js';
import { flowOf } from './dialog-flows.js';
import { exportReply, isAdminFileAction, onAdminFileClick, onFileMessage } from './flows/admin-files.js';
import { isAnnounceAction, onAnnounceClick } from './flows/announce.js';
import { onCardClick, sendApprovalCards } from './flows/approvals.js';
import { startBinding } from './flows/bind.js';
import { acceptEstimateOffer, onEstimateClick } from './flows/claim.js';
import { isEstimateAction } from './flows/estimate-offer.js';
import { collectFeesCommand, isFeeAction, onFeeClick } from './flows/fees.js';
import { isApplicationFile, onApplicationFile, reconcileReply, yearReportReply } from './flows/reports.js';
import { startSupplement } from './flows/supplement.js';
import { HANDLERS } from './handlers.js';
import { CLARIFY_BELOW, type Intent, type ParsedIntent, parseIntent, warmUp } from './intent.js';
import { choicesFor, pickedChoice, readClarify, writeClarify } from './nlu/clarify.js';
import { deskCommand } from './nlu/desk-commands.js';
import { readSaid, type Said, TOO_LONG } from './said.js';

export type BotHandler = (msg: InboundMessage, opts?: HandleOptions) => Promise<Reply[]>;

/** commands that act at once, even in the middle of a form (recognised by rule, slots exact) */
const IMMEDIATE = new Set<Intent>(['proxy_bind', 'mark_paid', 'approved_unpaid']);
/** in the middle of a form these are read as the form's answer, not answered on their own */
const NOT_AN_INTERRUPTION = new Set<Intent>(['unknown', 'cancel', 'claim', 'enrol', 'thanks', 'estimate']);
/** intents that are not a question to answer after binding (a greeting, help: the binding reply says enough) */
const NOT_A_QUESTION = new Set<Intent>(['unknown', 'help', 'capabilities', 'thanks', 'cancel']);

/** An intent's handler (handlers.ts: one per intent, checked complete by the type system). */
function route(t: BoundTurn, parsed: ParsedIntent, text: string): Promise<TurnReply[]> {
  return HANDLERS[parsed.intent](t, parsed, text);
}

export function createBot(input: BotDeps): BotHandler {
  warmUp();
  const deps: BotDeps = {
    onCardClick: (t) =>
      isAdminFileAction(t.msg.action)
        ? onAdminFileClick(t)
        : isFeeAction(t.msg.action)
          ? onFeeClick(t)
          : isEstimateAction(t.msg.action)
            ? onEstimateClick(t)
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

  const handle = async (msg: InboundMessage): Promise<Reply[]> => {
    const turn: Turn = {
      deps,
      msg,
      person: null,
      say: (key, vars = {}) => ({ kind: 'text', text: deps.templates.render(key, vars) }),
    };
    if (msg.kind === 'unsupported') return [turn.say('unsupported', { type: msg.originalType })];
    if (msg.kind === 'event') return msg.event === 'enter_agent' ? [turn.say('welcome')] : [];

    // who is talking, their open form and their open "您是想：" question, read at once (one wait instead of three: under
    // load every wait of a turn is a pass through the event loop's whole queue, issue #17); a file or a click needs
    // neither state, and only a text can answer the question
    const [person, stored, clarifying] = await Promise.all([
      deps.services.people.personByChat(msg.platform, msg.userId),
      msg.kind === 'text' || msg.kind === 'image' ? readDialog(deps.store, msg.platform, msg.userId, deps.log) : null,
      msg.kind === 'text' ? readClarify(deps.store, msg.platform, msg.userId, deps.log) : null,
    ]);
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
    // typed, with its ，！：; only the matching keys are folded (normalise.ts, nlu/commands.ts).
    const roles = person?.roles.map((r) => r.role);
    const said = readSaid(msg, { now: deps.now(), roles, bound: person !== null });
    const dialog = stored;
    if (dialog && said.command?.kind === 'cancel_form') {
      await writeDialog(deps.store, msg.platform, msg.userId, null);
      const flow = flowOf(dialog);
      // e.g. the card clicked for a reason gets its buttons back
      if (flow.mode === 'prompt') await flow.cancelled?.(turn, dialog);
      return [turn.say('cancelled', { flow: flow.label })];
    }
    if (!person) {
      // a text message is never answered with a card answer: the filter only narrows the type
      const again = async (text: string) =>
        (await handle({ ...msg, kind: 'text', text })).filter((r): r is TurnReply => r.kind !== 'card_answer');
      return unbound(turn, dialog, said, again);
    }
    return bound({ ...turn, person }, dialog, said, clarifying);
  };

  async function unbound(
    t: Turn,
    dialog: Dialog | null,
    said: Said,
    again: (text: string) => Promise<TurnReply[]>,
  ): Promise<TurnReply[]> {
    if (said.text.length > TOO_LONG) return [t.say('too_long', { length: said.text.length })];
    const flow = dialog ? flowOf(dialog) : null;
    if (dialog && flow?.mode === 'binding' && said.isText) return flow.continue(t, dialog, said, again);
    // the first message of a person not bound yet, when it asks something, is answered once bound
    const worthAnswering = said.parsed && !NOT_A_QUESTION.has(said.parsed.intent) ? said.text : undefined;
    return startBinding(t, worthAnswering);
  }

  async function bound(
    t: BoundTurn,
    dialog: Dialog | null,
    said: Said,
    clarifying: Awaited<ReturnType<typeof readClarify>>,
  ): Promise<TurnReply[]> {
    const { command, parsed, text } = said;
    const { platform, userId } = t.msg;
    const roles = t.person.roles.map((r) => r.role);
    if (command?.kind === 'export') return exportReply(t, t.person, command.export);
    const desk = said.isText ? deskCommand(text) : null;
    if (desk?.what === 'collect_fees') return collectFeesCommand(t, t.person, desk.tokens);
    if (desk?.what === 'reconcile') return reconcileReply(t, t.person);
    if (desk?.what === 'year_report') return yearReportReply(t, t.person, desk.year);
    if (parsed?.by === 'rule' && IMMEDIATE.has(parsed.intent)) return route(t, parsed, text);

    // the answer to "您是想：1 … 2 …": a number picks the choice; anything else drops the question
    const asked = said.isText ? clarifying : null;
    if (asked) {
      await writeClarify(deps.store, platform, userId, null);
      const i = pickedChoice(text, asked.options.length);
      const picked = i === null ? undefined : asked.options[i];
      if (picked && !dialog) {
        // the choice answers the first message, so its slots are that message's
        const first = parseIntent(asked.text, { now: deps.now(), roles });
        return route(t, { ...first, intent: picked }, asked.text);
      }
    }

    const flow = dialog ? flowOf(dialog) : null;
    if (dialog && flow?.mode === 'prompt') return flow.continue(t, dialog, said);
    if (command?.kind === 'supplement') return startSupplement(t, t.person, command.claimId);
    if (dialog && flow?.mode === 'form') {
      if (command?.kind === 'resume') return flow.resume(t, dialog);
      // a clear question in the middle of a form is answered, and the form waits for "继续"
      if (
        parsed &&
        !NOT_AN_INTERRUPTION.has(parsed.intent) &&
        parsed.confidence >= CLARIFY_BELOW &&
        flow.interruptible(dialog)
      ) {
        const answer = await route(t, parsed, text);
        return [...answer, t.say('form_waiting', { flow: flow.label })];
      }
      return flow.continue(t, dialog, said);
    }

    // no form in progress (a binding left from before the person was bound is not one)
    // 申请 / 好的 right after an estimate with amounts: the claim form starts with them filled in
    const accepted = said.isText ? await acceptEstimateOffer(t, t.person, text) : null;
    if (accepted) return accepted;
    if (!said.isText) return [t.say('image_without_form')];
    if (text.length > TOO_LONG && parsed?.intent !== 'announce') return [t.say('too_long', { length: text.length })];
    if (command?.kind === 'resume') return [t.say('nothing_to_resume')];
    if (command?.kind === 'proxy_head' && parsed?.intent !== 'proxy_bind')
      return [
        t.say(roles.includes('rep') || roles.includes('officer') ? 'bind_proxy_format' : 'forbidden', {
          what: '代为绑定',
        }),
      ];
    if (!parsed) return [t.say('help', { roles, unknown: true })];
    // unsure: one short question with numbered choices instead of a guess
    const choices = choicesFor(parsed);
    if (choices.length > 0) {
      await writeClarify(deps.store, platform, userId, { options: choices, text });
      return [t.say('clarify', { options: choices })];
    }
    return route(t, parsed, text);
  }

  return async (msg, opts) => {
    try {
      // the receive pipeline takes the same lock around the whole handling, and says so
      if (opts?.turnHeld) return await handle(msg);
      return await deps.store.withLock(turnLockKey(msg.platform, msg.userId), 30_000, () => handle(msg), 8_000);
    } catch (e) {
      if (e instanceof NotFoundError) return [{ kind: 'text', text: deps.templates.render('no_period') }];
      deps.log.error({ err: e, platform: msg.platform, kind: msg.kind }, 'bot turn failed');
      return [{ kind: 'text', text: deps.templates.render('internal_error') }];
    }
  };
}
