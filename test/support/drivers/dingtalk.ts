/**
 * The DingTalk PlatformDriver for the journey suites: plays DingTalk towards the running app through its real
 * POST /dingtalk/callback and /dingtalk/card-callback (bodies and signatures from the test's own client and
 * sign.ts, each message with a sessionWebhook of the local DingTalk server), and reads what the app sent from
 * that server's records: sessionWebhook replies, batch and group sends, cards in their latest state. With
 * `transport: 'stream'` the same messages and clicks go as frames over the local Stream gateway instead.
 */

import type { RunningApp } from '../../../src/app/start.js';
import type { LocalDingtalkChannel } from '../../../src/local/dingtalk/channel.js';
import type { LocalDingtalkServer, RecordedMessage } from '../../../src/local/dingtalk/local-server.js';
import { DingtalkTestClient } from '../dingtalk/client.js';
import type { PlatformDriver, SeenCard, SeenMessage } from '../driver.js';

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const list = (v: string | undefined): Record<string, unknown>[] => {
  try {
    const a = JSON.parse(v ?? '[]') as unknown;
    return Array.isArray(a) ? a.map(obj) : [];
  } catch {
    return [];
  }
};

/** a card's cardParamMap as a person sees it */
export function seenCard(outTrackId: string, p: Record<string, string>): SeenCard & { lines: string[] } {
  const finalText = p.finalText || undefined;
  const buttons = finalText ? [] : list(p.buttons).map((b) => ({ key: str(b.key), text: str(b.text) }));
  const title = p.title ?? '';
  const lines = [
    title,
    p.description ?? '',
    p.emphasisTitle ?? '',
    p.emphasisDesc ?? '',
    ...list(p.fields).map((f) => `${str(f.label)}：${str(f.value)}`),
    ...list(p.links).map((l) => str(l.text)),
    ...buttons.map((b) => b.text),
    finalText ?? '',
  ].filter(Boolean);
  const links = list(p.links).map((l) => ({ text: str(l.text), url: str(l.url) }));
  return { id: outTrackId, title, buttons, ...(finalText ? { finalText } : {}), links, lines };
}

function seen(server: LocalDingtalkServer, m: RecordedMessage): SeenMessage {
  if (m.api === 'card') {
    const id = str(m.param.outTrackId);
    const { lines, ...card } = seenCard(id, server.card(id)?.params ?? {});
    return { kind: 'card', text: lines.join('\n'), card, raw: m.body };
  }
  if (m.msgKey === 'sampleText' || m.msgKey === 'text')
    return { kind: 'text', text: str(m.param.content), raw: m.body };
  if (m.msgKey === 'sampleMarkdown' || m.msgKey === 'markdown')
    return { kind: 'markdown', text: str(m.param.text), raw: m.body };
  if (m.msgKey === 'sampleImageMsg') return { kind: 'image', text: '', raw: m.body };
  if (m.msgKey === 'sampleFile') {
    const media = server.media(str(m.param.mediaId));
    const name = str(m.param.fileName);
    return { kind: 'file', text: name, ...(media ? { file: { name, bytes: media.bytes } } : {}), raw: m.body };
  }
  return { kind: 'text', text: `[${m.msgKey}]`, raw: m.body };
}

type Delivery =
  | { path: string; body: string; headers: Record<string, string> }
  /** a Stream frame; `messageId` set once pushed, so a redelivery is the same frame */
  | { topic: string; data: Record<string, unknown>; messageId?: string };

export interface DingtalkDriverOptions {
  /** http (default): signed POSTs to the app; stream: frames over the local gateway to the app's Stream client */
  transport?: 'http' | 'stream';
}
const lastOf = new WeakMap<RunningApp, Map<string, Delivery>>();

export function dingtalkDriver(app: RunningApp, opts: DingtalkDriverOptions = {}): PlatformDriver {
  const channel = app.channels.get('dingtalk') as LocalDingtalkChannel | undefined;
  if (!channel) throw new Error('the running app has no dingtalk channel');
  const server = channel.localServer;
  if (!server)
    throw new Error(
      'the dingtalk driver needs the local DingTalk server (start the app in the local mode: test/support/app.ts)',
    );
  const client = new DingtalkTestClient(channel.credentials, app.now);
  const last = lastOf.get(app) ?? new Map<string, Delivery>();
  lastOf.set(app, last);

  const deliver = async (userId: string, d: Delivery): Promise<SeenMessage[]> => {
    last.set(userId, d);
    const before = server.lastSeq();
    if ('topic' in d) {
      const { frame, ack } = await server.gateway.push(d.topic, d.data, d.messageId ? { messageId: d.messageId } : {});
      d.messageId = frame.messageId;
      if (!ack) throw new Error(`the app did not ack the ${d.topic} frame`);
    } else {
      const res = await fetch(app.url + d.path, { method: 'POST', body: d.body, headers: d.headers });
      const text = await res.text();
      if (res.status !== 200)
        throw new Error(`the app answered ${d.path} with HTTP ${res.status}: ${text.slice(0, 100)}`);
      // a click's answer may carry the card's new data: DingTalk (the local server) applies it
      const outTrackId = (JSON.parse(d.body) as { outTrackId?: unknown }).outTrackId;
      if (d.path === '/dingtalk/card-callback' && typeof outTrackId === 'string')
        server.applyClickAnswer(outTrackId, { status: res.status, answer: text ? JSON.parse(text) : null });
    }
    await app.background.idle();
    // what the message caused beyond its answer (claim notices, cards) goes out through the job queue
    await app.jobs.idle();
    return server
      .messagesTo(userId)
      .filter((m) => m.seq > before)
      .map((m) => seen(server, m));
  };
  const stream = opts.transport === 'stream';
  const robot = (userId: string, fields: Record<string, unknown>): Delivery => {
    const session = server.openSession({ userId });
    if (stream) return { topic: '/v1.0/im/bot/messages/get', data: client.body(userId, fields, { session }) };
    return {
      path: '/dingtalk/callback',
      body: JSON.stringify(client.body(userId, fields, { session })),
      headers: client.headers(),
    };
  };

  return {
    platform: 'dingtalk',
    say: (userId, text) => deliver(userId, robot(userId, { msgtype: 'text', text: { content: text } })),
    expireMedia: () => server.forgetMedia(),
    sendImage: (userId, png) => {
      const downloadCode = server.putMedia(png);
      return deliver(
        userId,
        robot(userId, { msgtype: 'picture', content: { downloadCode, pictureDownloadCode: downloadCode } }),
      );
    },
    sendFile: (userId, name, bytes) => {
      const downloadCode = server.putMedia(bytes, 'application/octet-stream', name);
      return deliver(userId, robot(userId, { msgtype: 'file', content: { downloadCode, fileName: name } }));
    },
    click: (userId, cardId, buttonKey) =>
      deliver(
        userId,
        stream
          ? { topic: '/v1.0/card/instances/callback', data: client.cardClick(userId, cardId, buttonKey) }
          : {
              path: '/dingtalk/card-callback',
              body: JSON.stringify(client.cardClick(userId, cardId, buttonKey)),
              headers: client.cardHeaders(),
            },
      ),
    redeliverLast(userId) {
      const d = last.get(userId);
      if (!d) throw new Error(`nothing was delivered for ${userId} yet`);
      return deliver(userId, d);
    },
    inbox: (userId) => server.messagesTo(userId).map((m) => seen(server, m)),
    groupInbox: (chatId) => server.messagesToChat(chatId).map((m) => seen(server, m)),
    card(userId, cardId) {
      const rec = server.card(cardId);
      if (!rec?.userIds.includes(userId)) return undefined;
      const { lines: _lines, ...card } = seenCard(cardId, rec.params);
      return card;
    },
  };
}
