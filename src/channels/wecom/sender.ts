/**
 * PlatformSender over the app API: message/send to users, appchat/send to the app's group chats, template cards
 * and their updates (WECOM.md §4).
 */
import type { Card, OutboundMessage, Recipient } from '../../core/messages.js';
import type { PlatformSender, SentRef } from '../../core/outbox.js';
import type { RateLimit } from '../../core/platform-limits.js';
import { acquire, memberBuckets } from '../../state/rate-log.js';
import type { KeyValueStore } from '../../state/store.js';
import type { WecomApi } from './api-client.js';
import { MemberPaced, WecomInputError } from './errors.js';
import { wecomPlatform } from './platform.js';
import { APP_TEXT_MAX_BYTES, type RenderOptions, renderCardMarkdown, renderTemplateCard, splitUtf8 } from './render.js';

const CONTENT_TYPES: Record<string, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv',
  pdf: 'application/pdf',
};
export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

/** message/send takes at most 1000 users per call */
const TOUSER_MAX = 1000;

/**
 * WeCom drops what exceeds its per-member rate of message/send without an error (WECOM.md §6): every message/send
 * takes a slot of each of its members first, in buckets shared by every instance and by the job queue.
 */
export interface MemberPacing {
  store: KeyValueStore;
  /** the descriptor's perMember windows (src/channels/wecom/platform.ts) */
  limits: readonly RateLimit[];
  /** the wall clock of the windows, ms (a test advances its own) */
  wallNow: () => number;
  /** waits ms on that clock (a timer; a test advances its clock instead) */
  sleep: (ms: number) => Promise<void>;
  /**
   * the longest a send waits for its members' room before it refuses (MemberPaced): a minute's window is waited
   * out (an officer's 待审批 cards, a reply), an hour's is not (the job queue puts its row back instead)
   */
  maxWaitMs: number;
}

/** how many message/send calls a message to users takes (a long text goes in parts) */
function callsFor(msg: OutboundMessage): number {
  return msg.kind === 'text' || msg.kind === 'markdown' ? splitUtf8(msg.text, APP_TEXT_MAX_BYTES).length : 1;
}

export function createWecomSender(api: WecomApi, opts: RenderOptions & { pacing?: MemberPacing } = {}): PlatformSender {
  const agentid = api.creds.agentId;
  const { pacing } = opts;

  /**
   * takes the members' slots for the whole message, waiting for them up to maxWaitMs; beyond, throws MemberPaced
   * having sent nothing (WeCom would take the message and drop it silently)
   */
  const paceMembers = async (userIds: string[], msg: OutboundMessage) => {
    if (!pacing) return;
    const buckets = memberBuckets(wecomPlatform.name, userIds, pacing.limits);
    const calls = callsFor(msg);
    // a text of more parts than a member may receive in a window would never find room: a bug, never retried
    if (pacing.limits.some((l) => calls > l.limit))
      throw new WecomInputError(`a message of ${calls} parts exceeds what one member may receive in a window`);
    for (;;) {
      const wait = await acquire(pacing.store, buckets, pacing.wallNow(), calls);
      if (wait === 0) return;
      if (wait > pacing.maxWaitMs) throw new MemberPaced(userIds, wait);
      await pacing.sleep(wait);
    }
  };

  const toUsers = async (userIds: string[], body: Record<string, unknown>): Promise<SentRef> => {
    let ref: SentRef = {};
    for (let i = 0; i < userIds.length; i += TOUSER_MAX) {
      const r = await api.postJson('/cgi-bin/message/send', {
        touser: userIds.slice(i, i + TOUSER_MAX).join('|'),
        agentid,
        ...body,
      });
      if (typeof r.response_code === 'string' && r.response_code) ref = { responseCode: r.response_code };
    }
    return ref;
  };
  const toChat = async (chatid: string, body: Record<string, unknown>): Promise<SentRef> => {
    await api.postJson('/cgi-bin/appchat/send', { chatid, ...body });
    return {};
  };

  const image = async (msg: OutboundMessage & { kind: 'image' }) => {
    const mediaId = await api.upload('image', msg.png, msg.name ?? 'image.png', 'image/png');
    return { msgtype: 'image', image: { media_id: mediaId } };
  };

  return {
    cardUpdateNeedsCode: wecomPlatform.cardUpdateNeedsCode,
    async send(to: Recipient, msg: OutboundMessage): Promise<SentRef> {
      const deliver = (body: Record<string, unknown>) =>
        'chatId' in to ? toChat(to.chatId, body) : toUsers(to.userIds, body);
      if ('userIds' in to && to.userIds.length === 0) throw new WecomInputError('no recipient');
      // before any upload or part is sent: a refused message was not sent at all, so it can be sent again whole
      if ('userIds' in to) await paceMembers(to.userIds, msg);
      switch (msg.kind) {
        case 'text':
        case 'markdown': {
          let ref: SentRef = {};
          for (const part of splitUtf8(msg.text, APP_TEXT_MAX_BYTES))
            ref = await deliver({ msgtype: msg.kind, [msg.kind]: { content: part } });
          return ref;
        }
        case 'image':
          return deliver(await image(msg));
        case 'file': {
          // media/upload type=file (≤ 20 MB), then a file message by its media_id (WECOM.md §4, §5)
          const mediaId = await api.upload('file', msg.bytes, msg.name, contentTypeOf(msg.name));
          return deliver({ msgtype: 'file', file: { media_id: mediaId } });
        }
        case 'card': {
          if ('chatId' in to) {
            let ref: SentRef = {};
            for (const part of splitUtf8(renderCardMarkdown(msg.card), APP_TEXT_MAX_BYTES))
              ref = await deliver({ msgtype: 'markdown', markdown: { content: part } });
            return ref;
          }
          return deliver({ msgtype: 'template_card', template_card: renderTemplateCard(msg.card, opts) });
        }
      }
    },

    async updateCard(
      ref: { cardId: string; responseCode?: string; userIds?: string[] },
      msg: { kind: 'card'; card: Card },
    ) {
      if (!ref.responseCode)
        throw new WecomInputError('updating a WeCom card needs a response_code (from the send or a click)');
      const card = { ...msg.card, id: ref.cardId };
      await api.postJson('/cgi-bin/message/update_template_card', {
        ...(ref.userIds?.length ? { userids: ref.userIds } : { atall: 1 }),
        agentid,
        response_code: ref.responseCode,
        template_card: renderTemplateCard(card, opts),
      });
    },
  };
}
