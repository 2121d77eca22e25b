/**
 * What each kind of dialog does with the next message, in a record keyed by the dialog's flow (checked complete by
 * the type system): a new flow supplies its own continue / resume / cancel, and the router (bot.ts) asks the
 * record instead of testing `dialog.flow`.
 *
 * Three modes, because the router treats them differently:
 * - 'binding': the person is not bound yet; their every text is the binding's answer.
 * - 'prompt': one question was asked (a reason, a claim's material); every message is its answer.
 * - 'form': step by step; 继续 asks the step again and a clear question in the middle is answered first.
 */
import type { OutboundMessage, TurnReply } from '../core/messages.js';
import type { BoundTurn, Turn } from './context.js';
import type { Dialog, DialogOf } from './dialog.js';
import { cancelDecision, continueDecision } from './flows/approvals.js';
import { continueBinding } from './flows/bind.js';
import { continueClaim } from './flows/claim.js';
import { continueSupplement } from './flows/supplement.js';
import { confirmEnrol } from './flows/worker.js';
import { fold } from './normalise.js';
import type { Said } from './said.js';

interface FlowBase {
  /** how the flow is named to the person (已取消补助申请, 补助申请 waits for 继续) */
  label: string;
}

export interface BindingFlow<D extends Dialog> extends FlowBase {
  mode: 'binding';
  /** `again` answers a text as a fresh message: the question asked before binding, once bound */
  continue(t: Turn, d: D, said: Said, again: (text: string) => Promise<TurnReply[]>): Promise<TurnReply[]>;
}

export interface PromptFlow<D extends Dialog> extends FlowBase {
  mode: 'prompt';
  continue(t: BoundTurn, d: D, said: Said): Promise<OutboundMessage[]>;
  /** undo what asking did (a card's buttons) when the person cancels */
  cancelled?(t: Turn, d: D): Promise<void>;
}

export interface FormFlow<D extends Dialog> extends FlowBase {
  mode: 'form';
  continue(t: BoundTurn, d: D, said: Said): Promise<OutboundMessage[]>;
  /** 继续: the step's question again */
  resume(t: BoundTurn, d: D): OutboundMessage[];
  /** whether a clear question may interrupt this step (a hospital's name can read like a question) */
  interruptible(d: D): boolean;
}

export type Flow<D extends Dialog = Dialog> = BindingFlow<D> | PromptFlow<D> | FormFlow<D>;

const FLOWS: { [F in Dialog['flow']]: Flow<DialogOf<F>> } = {
  bind: {
    mode: 'binding',
    label: '身份绑定',
    async continue(t, d, said, again) {
      const intent = said.parsed?.intent;
      if (intent === 'help' || intent === 'capabilities') return [t.say('help_unbound')];
      // the name and ID digits are compared with the roster, never stored as typed: NFKC is a matching key here
      const r = await continueBinding(t, d, said.text.normalize('NFKC'));
      if (r.kind !== 'bound' || !r.first) return r.replies;
      // the question the person asked before binding is answered now, as if asked again
      return [...r.replies, ...(await again(r.first))];
    },
  },
  enrol: {
    mode: 'form',
    label: '参互登记',
    continue: (t, d, said) => confirmEnrol(t, t.person, d, fold(said.text)),
    resume: (t) => [t.say('enrol_confirm_again')],
    interruptible: () => true,
  },
  claim: {
    mode: 'form',
    label: '补助申请',
    continue: (t, d) => continueClaim(t, t.person, d.step, d.draft, d.periodId),
    resume: (t, d) => [t.say(`claim_ask_${d.step === 'selfPaid' ? 'self_paid' : d.step}`, { draft: d.draft })],
    interruptible: (d) => d.step !== 'hospital',
  },
  // people's words as they wrote them (the reason reaches the worker; a hospital name is stored)
  decision: {
    mode: 'prompt',
    label: '审批',
    continue: (t, d, said) => continueDecision(t, d, said.text),
    cancelled: (t, d) => cancelDecision(t.deps, t.msg.platform, d),
  },
  supplement: {
    mode: 'prompt',
    label: '补充材料',
    continue: (t, d, said) => continueSupplement(t, t.person, d, said.text),
  },
};

/** The flow of a dialog, typed for that dialog (the record's key is the dialog's own flow). */
export function flowOf<D extends Dialog>(d: D): Flow<D> {
  return FLOWS[d.flow] as unknown as Flow<D>;
}

/** every flow's name, for tests and docs */
export const FLOW_NAMES = Object.keys(FLOWS) as Dialog['flow'][];
