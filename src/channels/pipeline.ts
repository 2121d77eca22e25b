/**
 * The one way in (issue #13): every platform's verified, parsed message goes through here. A platform supplies only
 * verify + parse (its inbound) and its reply transport (WeCom: the passive answer, then the API; DingTalk: the
 * sessionWebhook, then the API); this file owns what must be the same everywhere:
 * - once per delivery: a mark in the shared store set BEFORE handling (several instances, platform retries), kept
 *   when handled, released when handling failed so the platform's retry (or the user's resend) is handled;
 * - per-user order: one user's messages are handled and answered one after another, across instances;
 * - never silent: when handling fails, or the shared store itself is away, the user gets the busy text of the
 *   templates (`system_busy`), and the failure is one JSON log line;
 * - replies through the transport, in order, a rate limit waited out a few times rather than hammered.
 */
import type { CardAnswer, InboundMessage, OutboundMessage, Reply } from '../core/messages.js';
import { Templates } from '../core/templates.js';
import type { ChannelDeps } from './channel.js';

/** How an answer reaches the sender of the message in hand. */
export interface ReplyTransport {
  /** sends one reply; throws when it could not be sent (a card answer after the HTTP answer: see settleLate) */
  send(reply: OutboundMessage): Promise<void>;
  /** the wait a rate-limit error asks for, or undefined when the error is not a rate limit */
  retryAfterMs(err: unknown): number | undefined;
}

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
   * Handles a message once, in its sender's order. With `deliver`, the replies are sent through it while the
   * sender's turn is still held (their next message is answered after). Never throws.
   */
  receive(msg: InboundMessage, deliver?: ReplyTransport): Promise<Outcome>;
  /** sends replies in order through a transport; never throws (what could not be sent is logged) */
  deliver(transport: ReplyTransport, replies: Reply[]): Promise<void>;
  /** the busy text, for a transport that must answer without handling */
  busy(): OutboundMessage[];
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

  const deliver = async (transport: ReplyTransport, replies: Reply[]) => {
    for (const reply of replies) {
      if (reply.kind === 'card_answer') {
        // sent through the transport, not in the click's own answer: the queue redraws every copy, this one too
        await settleLate(reply, log);
        continue;
      }
      for (let attempt = 0; ; attempt++) {
        try {
          await transport.send(reply);
          break;
        } catch (e) {
          const wait = transport.retryAfterMs(e);
          if (wait !== undefined && attempt < opts.rateLimitRetries) {
            await sleep(wait);
            continue;
          }
          log.error({ err: e, platform, kind: reply.kind }, 'reply could not be sent');
          break;
        }
      }
    }
  };

  /** not handled: the user reads the busy text (through the transport when there is one) */
  const answerBusy = async (transport: ReplyTransport | undefined): Promise<Outcome> => {
    const replies = busy();
    if (transport) await deliver(transport, replies);
    return { kind: 'failed', replies };
  };

  /** the mark could not be kept: a failure to release it is logged, never thrown (the user is answered anyway) */
  const release = async (key: string) => {
    try {
      await store.del(key);
    } catch (e) {
      log.error({ err: e, platform }, 'delivery mark not released: the retry will be taken for a duplicate');
    }
  };

  return {
    busy,
    deliver,
    async receive(msg, transport) {
      const key = `${opts.markPrefix}:${msg.dedupeKey}`;
      try {
        if (!(await store.setIfAbsent(key, 'handling', opts.dedupeTtlMs))) {
          log.info({ platform, kind: msg.kind }, 'duplicate delivery acknowledged');
          return { kind: 'duplicate' };
        }
      } catch (e) {
        // nothing can be handled once without the store: answer busy, handle nothing; the retry will be
        log.error({ err: e, platform, kind: msg.kind }, 'shared store unavailable: message answered busy, not handled');
        return answerBusy(transport);
      }
      let outcome: Outcome | undefined;
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
          return answerBusy(transport);
        }
        try {
          await store.set(key, 'done', opts.dedupeTtlMs);
        } catch (e) {
          // the 'handling' mark stays until its ttl: a retry is still taken for a duplicate
          log.warn({ err: e, platform }, 'delivery mark not updated');
        }
        if (transport) await deliver(transport, replies);
        return { kind: 'handled', replies };
      };
      try {
        // the lock outlives a turn with its replies and their rate-limit waits; a crashed holder frees it after
        return await store.withLock(
          `order:${opts.markPrefix}:${msg.userId}`,
          120_000,
          turn,
          opts.orderWaitMs ?? 10_000,
        );
      } catch (e) {
        // handled, and only the lock's release failed: the outcome stands
        if (outcome) return outcome;
        // the sender's turn could not be taken (the store failed, or their previous message is stuck)
        log.error({ err: e, platform, kind: msg.kind }, 'message not handled in turn: answered busy, mark released');
        await release(key);
        return answerBusy(transport);
      }
    },
  };
}

/** A card answer that did not go out with the click's answer: its copies are left to the queue. Never throws. */
export async function settleLate(reply: CardAnswer, log: ChannelDeps['log']): Promise<void> {
  try {
    await reply.settle(null);
  } catch (e) {
    log.error({ err: e }, 'card answer not settled: the delivery sweep redraws the card');
  }
}
