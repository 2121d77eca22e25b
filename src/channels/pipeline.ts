/**
 * The one way in (issue #13): every platform's verified, parsed message goes through here. A platform supplies only
 * verify + parse (its inbound) and its reply transport (WeCom: the passive answer, then the API; DingTalk: the
 * sessionWebhook, then the API); this file owns what must be the same everywhere:
 * - once per delivery: a mark in the shared store set BEFORE handling (several instances, platform retries), kept
 *   when handled, released when handling failed so the platform's retry (or the user's resend) is handled;
 * - per-user order: one user's messages are handled one after another, across instances (the bot's turn lock, taken
 *   here for the whole handling, so the bot does not take it again: src/state/turn.ts), and answered in
 *   that order; the lock is held for the handling only: once the state is committed the replies are queued behind
 *   the user's earlier replies (in this process) and the turn is released, so a slow platform call (DingTalk's
 *   sessionWebhook, the API) never holds the user's next message;
 * - never silent: when handling fails, or the shared store itself is away, the user gets the busy text of the
 *   templates (`system_busy`), and the failure is one JSON log line;
 * - replies through the transport, in order, a rate limit waited out a few times rather than hammered;
 * - bounded: only so many messages are handled at once in the process (admission.ts), the rest wait in the order
 *   they came, so an overload never starves the transports' HTTP answers; a sender's message waits here for their
 *   previous one's turn to end before it asks for a slot, so one sender never holds two slots and their messages
 *   take the shared lock in the order they came (the lock still orders them across instances);
 * - nothing acknowledged lost: with the inbound journal (deps.recovery, src/state/inbound-journal.ts) the mark is
 *   set by the same store call that journals the message, before any acknowledgement can leave; the turn's commit
 *   keeps its replies in the entry (the call that marks it done), and the entry goes once they were sent. A dead
 *   process's entries come back through `replay`: the message is handled (its mark taken over from the dead owner),
 *   or its kept replies are sent, through the platform's API transport. Every message is journaled, those answered
 *   passively too: whether WeCom's answer will be passive is known only after the mark (the budget may pass), the
 *   journal rides on the mark's own round trip, and a WeCom retry of a message that died waiting is taken for a
 *   duplicate by its mark, so only the journal would answer it.
 */
import { randomUUID } from 'node:crypto';
import type { CardAnswer, CardsToRecord, InboundMessage, OutboundMessage, Reply } from '../core/messages.js';
import type { SentRef } from '../core/outbox.js';
import { Templates } from '../core/templates.js';
import type { JournalEntry } from '../state/inbound-journal.js';
import { StoreUnavailableError } from '../state/store.js';
import { turnLockKey } from '../state/turn.js';
import { createAdmission } from './admission.js';
import type { ChannelDeps } from './channel.js';
import { reviveMessage, reviveReplies, serializeMessage, serializeReplies } from './journal-codec.js';

/** How an answer reaches the sender of the message in hand. */
export interface ReplyTransport {
  /**
   * sends one reply; throws when it could not be sent (a card answer after the HTTP answer: see settleLate). Returns
   * what the platform's API said of it (WeCom's response_code of a card), or nothing when it went another way.
   */
  send(reply: OutboundMessage): Promise<SentRef | undefined>;
  /** the wait a rate-limit error asks for, or undefined when the error is not a rate limit */
  retryAfterMs(err: unknown): number | undefined;
  /**
   * true when a send that failed because the shared store was away sent nothing (every store read comes before the
   * platform call): the reply is then tried again for a while (a Redis restart) instead of being given up
   */
  retriesWhileStoreAway?: boolean;
}

/** how long a reply waits out the shared store's absence, a try a second (Redis restarts in a few seconds) */
const STORE_AWAY_TRIES = 30;

export interface PipelineOptions {
  /** namespace of the delivery marks, e.g. `wecom:seen:<corpId>` */
  markPrefix: string;
  /** how long a delivery's mark is kept (the platform's retry window, and replays, are answered as duplicates) */
  dedupeTtlMs: number;
  /** a rate-limited reply waits the window out at most this often before it is given up (logged) */
  rateLimitRetries: number;
  /** the reply texts (default: the app's templates/) */
  templates?: Templates;
  /** how long a message waits for the same user's previous one before it is answered busy */
  orderWaitMs?: number;
  /**
   * How a message taken over from a dead process is answered (the platform's API: the HTTP answer is long gone).
   * Without it the pipeline journals nothing.
   */
  replayTransport?: (msg: InboundMessage) => ReplyTransport;
}

export type Outcome =
  /** seen before (a retry, another instance has it): nothing to answer */
  | { kind: 'duplicate' }
  /** handled: the bot's replies */
  | { kind: 'handled'; replies: Reply[] }
  /** not handled (the bot failed, or the shared store is away): the busy text; no mark is left behind */
  | { kind: 'failed'; replies: OutboundMessage[] };

export interface Pipeline {
  /**
   * Handles a message once, in its sender's order. With `deliver`, the replies are queued for it, behind the
   * sender's earlier replies, before the turn is released, and sent after: the next message of the sender is
   * handled meanwhile, its replies wait for these. Resolves once they were sent. Never throws.
   */
  receive(msg: InboundMessage, deliver?: ReplyTransport): Promise<Outcome>;
  /**
   * As receive, but resolves as soon as the message is journaled with its mark (or found a duplicate, or answered
   * busy because the store is away): what an acknowledgement must wait for. `outcome` is the rest of receive.
   */
  admit(msg: InboundMessage, deliver?: ReplyTransport): Promise<{ outcome: Promise<Outcome> }>;
  /** the replies of an outcome received without a transport were sent (or given up): its journal entry goes */
  sent(outcome: Outcome): Promise<void>;
  /** sends replies in order through a transport; never throws (what could not be sent is logged) */
  deliver(transport: ReplyTransport, replies: Reply[]): Promise<void>;
  /** the busy text, for a transport that must answer without handling */
  busy(): OutboundMessage[];
  /** how long a message arriving now is expected to wait before it is handled (a transport acks at once when long) */
  expectedWaitMs(): number;
}

let sharedTemplates: Templates | undefined;
/** the app's templates/, read once for every channel that was not given its own */
function appTemplates(): Templates {
  sharedTemplates ??= new Templates();
  return sharedTemplates;
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createPipeline(deps: ChannelDeps, opts: PipelineOptions): Pipeline {
  const { log, store } = deps;
  const templates = opts.templates ?? appTemplates();
  const busy = (): OutboundMessage[] => [{ kind: 'text', text: templates.render('system_busy') }];
  const platform = opts.markPrefix.split(':')[0];
  const admission = deps.admission ?? createAdmission();
  /** each sender's last turn in this process: their next message waits for it to end before it takes a slot */
  const turns = new Map<string, Promise<void>>();
  const followTurn = (sender: string) => {
    const previous = turns.get(sender) ?? Promise.resolve();
    let end!: () => void;
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    const link = previous.then(() => ended);
    turns.set(sender, link);
    void link.then(() => {
      if (turns.get(sender) === link) turns.delete(sender);
    });
    return { previous, end };
  };

  /** one message through the transport, a rate limit or the store's absence waited out a few times; null: not sent */
  const sendOne = async (transport: ReplyTransport, reply: OutboundMessage): Promise<SentRef | null> => {
    for (let attempt = 0, away = 0; ; ) {
      try {
        return (await transport.send(reply)) ?? {};
      } catch (e) {
        const wait = transport.retryAfterMs(e);
        if (wait !== undefined && attempt < opts.rateLimitRetries) {
          attempt++;
          await sleep(wait);
          continue;
        }
        if (e instanceof StoreUnavailableError && transport.retriesWhileStoreAway && away < STORE_AWAY_TRIES) {
          if (away === 0) log.info({ platform, kind: reply.kind }, 'reply waits for the shared store');
          away++;
          await sleep(1_000);
          continue;
        }
        log.error({ err: e, platform, kind: reply.kind }, 'reply could not be sent');
        return null;
      }
    }
  };

  /** the cards in order, then one call recording those that went out (also when one could not be sent) */
  const sendCards = async (transport: ReplyTransport, reply: CardsToRecord) => {
    const sent: { cardId: string; responseCode?: string }[] = [];
    try {
      for (const card of reply.cards) {
        const ref = await sendOne(transport, { kind: 'card', card });
        if (ref) sent.push({ cardId: card.id, ...(ref.responseCode ? { responseCode: ref.responseCode } : {}) });
      }
    } finally {
      if (sent.length)
        await reply.recorded(sent).catch((e: unknown) => log.error({ err: e, platform }, 'sent cards not recorded'));
    }
  };

  const deliver = async (transport: ReplyTransport, replies: Reply[]) => {
    for (const reply of replies) {
      if (reply.kind === 'card_answer') {
        // sent through the transport, not in the click's own answer: the queue redraws every copy, this one too
        await settleLate(reply, log);
      } else if (reply.kind === 'cards_to_record') await sendCards(transport, reply);
      else await sendOne(transport, reply);
    }
  };

  /**
   * Each sender's replies, in the order their turns ended: a turn appends its replies while it still holds the
   * sender's lock, so their order is the handling order; the sends run after the lock is released. A chain ends
   * (and leaves the map) when its last send is done.
   */
  const chains = new Map<string, Promise<void>>();
  const queue = (sender: string, transport: ReplyTransport, replies: Reply[]): Promise<void> => {
    const sent = (chains.get(sender) ?? Promise.resolve()).then(() => deliver(transport, replies));
    chains.set(sender, sent);
    void sent.then(() => {
      if (chains.get(sender) === sent) chains.delete(sender);
    });
    return sent;
  };

  /** not handled: the user reads the busy text (queued behind their earlier replies when there is a transport) */
  const answerBusy = async (
    transport: ReplyTransport | undefined,
    sender: string,
    sending?: { sent?: Promise<void> },
  ): Promise<Outcome> => {
    const replies = busy();
    if (transport) {
      const sent = queue(sender, transport, replies);
      if (sending) sending.sent = sent;
      else await sent;
    }
    return { kind: 'failed', replies };
  };

  /** removes the mark when it is still `mark` (compare and delete), tried while the store is away; never throws */
  const releaseIfOurs = async (key: string, mark: string) => {
    for (let tries = 0; tries < STORE_AWAY_TRIES; tries++) {
      try {
        await store.update(key, (current) => (current === mark ? null : current), opts.dedupeTtlMs);
        return;
      } catch {
        // an unref'd wait: a process stopping meanwhile is not held by it
        await new Promise<void>((r) => setTimeout(r, 1_000).unref());
      }
    }
    log.error({ platform }, 'an unanswered delivery mark could not be checked: a resend may be taken for a duplicate');
  };

  /**
   * The mark could not be kept: a failure to release it is logged, never thrown (the user is answered anyway). When
   * the store is away (a Redis restart) the release is tried again in the background for a while, so the resend the
   * busy text asks for is handled rather than taken for a duplicate.
   */
  const release = async (key: string) => {
    try {
      await store.del(key);
    } catch (e) {
      if (e instanceof StoreUnavailableError) {
        log.warn({ platform }, 'delivery mark not released yet: the store is away, tried again');
        deps.background.run('release a delivery mark', async () => {
          for (let tries = 0; tries < STORE_AWAY_TRIES; tries++) {
            await sleep(1_000);
            try {
              await store.del(key);
              return;
            } catch {}
          }
          log.error({ platform }, 'delivery mark not released: the retry will be taken for a duplicate');
        });
        return;
      }
      log.error({ err: e, platform }, 'delivery mark not released: the retry will be taken for a duplicate');
    }
  };

  // the journal, when the app has one and this platform can answer a taken-over message
  const journal = opts.replayTransport ? deps.recovery?.journal : undefined;
  /** the journal entry of each outcome received without a transport: removed when the caller says it was sent */
  const entries = new WeakMap<Outcome, string>();
  const forget = async (id: string) => {
    try {
      await journal?.remove(id);
    } catch (e) {
      // left in the journal: a successor takes it over, finds it handled (its replies kept) and sends them again
      log.warn({ err: e, platform }, 'inbound journal entry not removed: a restart may send its replies again');
    }
  };

  /** sets the delivery mark (with the journal entry, in the same store call) */
  const setMark = async (msg: InboundMessage, key: string, mark: string): Promise<boolean> => {
    if (!journal) return store.setIfAbsent(key, mark, opts.dedupeTtlMs);
    return journal.admit({ id: key, source: opts.markPrefix, mark, message: serializeMessage(msg) }, opts.dedupeTtlMs);
  };

  /** runs a received message: place taken synchronously by the caller, then the mark, then the turn */
  const start = (
    msg: InboundMessage,
    transport: ReplyTransport | undefined,
    claim: (key: string, mark: string) => Promise<boolean>,
  ): { admitted: Promise<void>; outcome: Promise<Outcome> } => {
    const key = `${opts.markPrefix}:${msg.dedupeKey}`;
    const sender = `${msg.platform}:${msg.userId}`;
    // taken at once, in arrival order, before any await: the sender's next message queues behind this one
    const place = followTurn(sender);
    let admitted!: () => void;
    const admittedP = new Promise<void>((r) => {
      admitted = r;
    });
    const outcome = (async () => {
      try {
        return await receiveInTurn(msg, transport, key, sender, place, claim, admitted);
      } finally {
        // (already ended when the turn was over; this covers a throw)
        place.end();
        admitted();
      }
    })();
    return { admitted: admittedP, outcome };
  };

  if (journal && opts.replayTransport && deps.recovery) {
    const replayTransport = opts.replayTransport;
    deps.recovery.register(opts.markPrefix, (entry: JournalEntry) => {
      // synchronous up to start(): the worker calls this for every entry in arrival order before awaiting any
      const msg = reviveMessage(entry.message);
      if (!msg) return journal.deadLetter(entry.id, 'the journaled message is unreadable');
      const transport = replayTransport(msg);
      if (entry.replies !== undefined) {
        // handled before the crash: only its replies are owed
        const replies = reviveReplies(entry.replies);
        if (!replies) return journal.deadLetter(entry.id, 'the journaled replies are unreadable');
        log.info({ platform, kind: msg.kind }, 'inbound journal: replies of a message handled before a crash sent');
        return queue(`${msg.platform}:${msg.userId}`, transport, replies).then(() => forget(entry.id));
      }
      const { outcome } = start(msg, transport, async (_key, mark) => {
        const took = await journal.takeMark(entry, mark, opts.dedupeTtlMs);
        if (took === 'taken') return true;
        log.warn(
          { platform, kind: msg.kind, mark: took },
          took === 'done'
            ? 'inbound journal: a message handled before a crash, its replies not kept: not handled again'
            : 'inbound journal: a taken-over message is another delivery’s now: not handled',
        );
        await forget(entry.id);
        return false;
      });
      log.info({ platform, kind: msg.kind }, 'inbound journal: a message of a dead process handled');
      return outcome.then(() => undefined);
    });
  }

  return {
    busy,
    deliver,
    expectedWaitMs: () => admission.expectedWaitMs(),
    receive(msg, transport) {
      return start(msg, transport, (key, mark) => setMark(msg, key, mark)).outcome;
    },
    async admit(msg, transport) {
      const { admitted, outcome } = start(msg, transport, (key, mark) => setMark(msg, key, mark));
      await admitted;
      return { outcome };
    },
    async sent(outcome) {
      const id = entries.get(outcome);
      if (id !== undefined) {
        entries.delete(outcome);
        await forget(id);
      }
    },
  };

  async function receiveInTurn(
    msg: InboundMessage,
    transport: ReplyTransport | undefined,
    key: string,
    sender: string,
    place: { previous: Promise<void>; end: () => void },
    claim: (key: string, mark: string) => Promise<boolean>,
    admitted: () => void,
  ): Promise<Outcome> {
    // this delivery's own mark: an unanswered set may still have reached the store, and only this mark is removed
    const mark = `handling:${randomUUID()}`;
    try {
      const fresh = await claim(key, mark);
      admitted();
      if (!fresh) {
        log.info({ platform, kind: msg.kind }, 'duplicate delivery acknowledged');
        return { kind: 'duplicate' };
      }
    } catch (e) {
      // nothing can be handled once without the store: answer busy, handle nothing; the retry will be
      log.error({ err: e, platform, kind: msg.kind }, 'shared store unavailable: message answered busy, not handled');
      // Redis may have set the mark as the connection dropped (its answer lost): removed once the store is back,
      // if it is still this delivery's, so the resend the busy text asks for is not taken for a duplicate
      // (not waited for at shutdown or by tests: a store that stays away must not hold either)
      void releaseIfOurs(key, mark);
      place.end();
      // the busy text is queued before the acknowledgement (DingTalk's answer waits for `admitted`)
      const busyOutcome = answerBusy(transport, sender);
      admitted();
      return busyOutcome;
    }
    // from here this delivery has a journal entry (when there is a journal), removed once its replies were sent
    const settle = async (outcome: Outcome): Promise<Outcome> => {
      if (!journal) return outcome;
      if (transport) {
        await forget(key);
      } else entries.set(outcome, key);
      return outcome;
    };
    let outcome: Outcome | undefined;
    // the replies queued by the turn, sent once it has released the sender's lock
    const sending: { sent?: Promise<void> } = {};
    const turn = async (): Promise<Outcome> => {
      outcome = await handleInTurn();
      return outcome;
    };
    const handleInTurn = async (): Promise<Outcome> => {
      let replies: Reply[];
      try {
        // the sender's turn lock is held here (below): the bot does not take it again
        replies = await deps.handle(msg, { turnHeld: true });
      } catch (e) {
        log.error({ err: e, platform, kind: msg.kind }, 'message handling failed: answered busy, mark released');
        await release(key);
        return answerBusy(transport, sender, sending);
      }
      try {
        // the mark says done; with the journal, the entry keeps the replies until they are sent (one store call)
        if (journal) await journal.handled(key, serializeReplies(replies), opts.dedupeTtlMs);
        else await store.set(key, 'done', opts.dedupeTtlMs);
      } catch (e) {
        // the 'handling' mark stays until its ttl: a retry is still taken for a duplicate
        log.warn({ err: e, platform }, 'delivery mark not updated');
      }
      if (transport) sending.sent = queue(sender, transport, replies);
      return { kind: 'handled', replies };
    };
    let result: Outcome;
    try {
      // the sender's previous message in this process first (it never rejects), then a slot, then the shared lock
      await place.previous;
      // the bot's own turn lock (one lock per message, not two); a crashed holder frees it within one lease
      result = await admission.run(() =>
        store.withLock(turnLockKey(msg.platform, msg.userId), 120_000, turn, opts.orderWaitMs ?? 10_000),
      );
    } catch (e) {
      if (outcome) {
        // handled, and only the lock's release failed: the outcome stands
        result = outcome;
      } else {
        // the sender's turn could not be taken (the store failed, or their previous message is stuck)
        log.error({ err: e, platform, kind: msg.kind }, 'message not handled in turn: answered busy, mark released');
        await release(key);
        place.end();
        return settle(await answerBusy(transport, sender));
      }
    }
    // the sender's next message may take its turn while these replies are sent
    place.end();
    // the turn is released: its replies go out now, after the sender's earlier ones
    await sending.sent;
    return settle(result);
  }
}

/** A card answer that did not go out with the click's answer: its copies are left to the queue. Never throws. */
export async function settleLate(reply: CardAnswer, log: ChannelDeps['log']): Promise<void> {
  try {
    await reply.settle(null);
  } catch (e) {
    log.error({ err: e }, 'card answer not settled: the delivery sweep redraws the card');
  }
}
