/**
 * The one way in (issue #13): every platform's verified, parsed message goes through here. A platform supplies only
 * verify + parse (its inbound) and its reply transport (WeCom: the passive answer, then the API; DingTalk: the
 * sessionWebhook, then the API); this file owns what must be the same everywhere:
 * - once per delivery: a mark in the shared store set BEFORE handling (several instances, platform retries), kept
 *   when handled, released when handling failed so the platform's retry (or the user's resend) is handled;
 * - per-user order: one user's messages are handled one after another, across instances (a lock), and answered in
 *   that order; the lock is held for the handling only: once the state is committed the replies are queued behind
 *   the user's earlier replies (in this process) and the turn is released, so a slow platform call (DingTalk's
 *   sessionWebhook, the API) never holds the user's next message;
 * - never silent: when handling fails, or the shared store itself is away, the user gets the busy text of the
 *   templates (`system_busy`), and the failure is one JSON log line;
 * - replies through the transport, in order, a rate limit waited out a few times rather than hammered;
 * - bounded: only so many messages are handled at once in the process (admission.ts), the rest wait in the order
 *   they came, so an overload never starves the transports' HTTP answers; a sender's message waits here for their
 *   previous one's turn to end before it asks for a slot, so one sender never holds two slots and their messages
 *   take the shared lock in the order they came (the lock still orders them across instances).
 */
import { randomUUID } from 'node:crypto';
import type { CardAnswer, InboundMessage, OutboundMessage, Reply } from '../core/messages.js';
import { Templates } from '../core/templates.js';
import { StoreUnavailableError } from '../state/store.js';
import { createAdmission } from './admission.js';
import type { ChannelDeps } from './channel.js';

/** How an answer reaches the sender of the message in hand. */
export interface ReplyTransport {
  /** sends one reply; throws when it could not be sent (a card answer after the HTTP answer: see settleLate) */
  send(reply: OutboundMessage): Promise<void>;
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

  const deliver = async (transport: ReplyTransport, replies: Reply[]) => {
    for (const reply of replies) {
      if (reply.kind === 'card_answer') {
        // sent through the transport, not in the click's own answer: the queue redraws every copy, this one too
        await settleLate(reply, log);
        continue;
      }
      for (let attempt = 0, away = 0; ; ) {
        try {
          await transport.send(reply);
          break;
        } catch (e) {
          const wait = transport.retryAfterMs(e);
          if (wait !== undefined && attempt < opts.rateLimitRetries) {
            attempt++;
            await sleep(wait);
            continue;
          }
          if (e instanceof StoreUnavailableError && transport.retriesWhileStoreAway && away < STORE_AWAY_TRIES) {
            away++;
            await sleep(1_000);
            continue;
          }
          log.error({ err: e, platform, kind: reply.kind }, 'reply could not be sent');
          break;
        }
      }
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

  return {
    busy,
    deliver,
    expectedWaitMs: () => admission.expectedWaitMs(),
    async receive(msg, transport) {
      const key = `${opts.markPrefix}:${msg.dedupeKey}`;
      const sender = `${msg.platform}:${msg.userId}`;
      // taken at once, in arrival order, before any await: the sender's next message queues behind this one
      const place = followTurn(sender);
      try {
        return await receiveInTurn(msg, transport, key, sender, place);
      } finally {
        // (already ended when the turn was over; this covers a throw)
        place.end();
      }
    },
  };

  async function receiveInTurn(
    msg: InboundMessage,
    transport: ReplyTransport | undefined,
    key: string,
    sender: string,
    place: { previous: Promise<void>; end: () => void },
  ): Promise<Outcome> {
    // this delivery's own mark: an unanswered set may still have reached the store, and only this mark is removed
    const mark = `handling:${randomUUID()}`;
    try {
      if (!(await store.setIfAbsent(key, mark, opts.dedupeTtlMs))) {
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
      return answerBusy(transport, sender);
    }
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
        replies = await deps.handle(msg);
      } catch (e) {
        log.error({ err: e, platform, kind: msg.kind }, 'message handling failed: answered busy, mark released');
        await release(key);
        return answerBusy(transport, sender, sending);
      }
      try {
        await store.set(key, 'done', opts.dedupeTtlMs);
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
      // a crashed holder frees the lock after its ttl (the Redis store: within one lease)
      result = await admission.run(() =>
        store.withLock(`order:${opts.markPrefix}:${msg.userId}`, 120_000, turn, opts.orderWaitMs ?? 10_000),
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
        return answerBusy(transport, sender);
      }
    }
    // the sender's next message may take its turn while these replies are sent
    place.end();
    // the turn is released: its replies go out now, after the sender's earlier ones
    await sending.sent;
    return result;
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
