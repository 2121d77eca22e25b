/**
 * The WeCom PlatformDriver for the journey suites: plays WeCom towards the running app through its real
 * /wecom/callback (callbacks built and encrypted by the independent test crypto), opens and verifies the passive
 * replies, and reads what the app sent from the channel's local WeCom API server.
 */

import type { RunningApp } from '../../../src/app/start.js';
import type { LocalWecomChannel } from '../../../src/local/wecom/channel.js';
import type { LocalWecomServer, RecordedMessage } from '../../../src/local/wecom/local-server.js';
import { templateCardFromXml } from '../../../src/local/wecom/passive-card-schema.js';
import type { PlatformDriver, SeenCard, SeenMessage } from '../driver.js';
import { type BuiltCallback, WecomTestClient } from '../wecom/client.js';

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map(obj) : []);

/** a template_card as a person sees it */
export function seenCard(card: Record<string, unknown>): SeenCard & { lines: string[] } {
  const finalText = str(card.replace_text) || undefined;
  const buttons = finalText ? [] : list(card.button_list).map((b) => ({ key: str(b.key), text: str(b.text) }));
  const title = str(obj(card.main_title).title);
  const lines = [
    title,
    str(obj(card.main_title).desc),
    str(obj(card.emphasis_content).title),
    str(obj(card.emphasis_content).desc),
    str(card.sub_title_text),
    ...list(card.horizontal_content_list).map((f) => `${str(f.keyname)}：${str(f.value)}`),
    ...list(card.jump_list).map((j) => str(j.title)),
    ...buttons.map((b) => b.text),
    finalText ?? '',
  ].filter(Boolean);
  const links = list(card.jump_list).map((j) => ({ text: str(j.title), url: str(j.url) }));
  return { id: str(card.task_id), title, buttons, finalText, links, lines };
}

function seen(server: LocalWecomServer, m: RecordedMessage, userId?: string): SeenMessage {
  const body = m.body;
  if (m.msgtype === 'text' || m.msgtype === 'markdown')
    return { kind: m.msgtype, text: str(obj(body[m.msgtype]).content), raw: body };
  if (m.msgtype === 'image') return { kind: 'image', text: '', raw: body };
  if (m.msgtype === 'file') {
    const media = server.media(str(obj(body.file).media_id));
    const name = media?.filename ?? '';
    return { kind: 'file', text: name, ...(media ? { file: { name, bytes: media.bytes } } : {}), raw: body };
  }
  if (m.msgtype === 'template_card') {
    const taskId = str(obj(body.template_card).task_id);
    const current = (userId ? server.cardFor(taskId, userId) : server.card(taskId)?.current) ?? obj(body.template_card);
    const { lines, ...card } = seenCard(current);
    return { kind: 'card', text: lines.join('\n'), card, raw: body };
  }
  return { kind: 'text', text: `[${m.msgtype}]`, raw: body };
}

type Passive = { userId: string; after: number; msg: SeenMessage };
/** per app, so every driver made for the same app sees the same history */
const passivesOf = new WeakMap<RunningApp, Passive[]>();
const lastOf = new WeakMap<RunningApp, Map<string, BuiltCallback>>();

export function wecomDriver(app: RunningApp): PlatformDriver {
  const channel = app.channels.get('wecom') as LocalWecomChannel | undefined;
  if (!channel) throw new Error('the running app has no wecom channel');
  const server = channel.localServer;
  if (!server)
    throw new Error(
      'the wecom driver needs the local WeCom server (start the app in the local mode: test/support/app.ts)',
    );
  const creds = channel.credentials;
  const client = new WecomTestClient(
    { corpId: creds.corpId, token: creds.token, encodingAesKey: creds.encodingAesKey, agentId: creds.agentId },
    app.now,
  );
  const last = lastOf.get(app) ?? new Map<string, BuiltCallback>();
  lastOf.set(app, last);
  /** passive replies, placed between the server's records by the sequence number they arrived after */
  const passives = passivesOf.get(app) ?? [];
  passivesOf.set(app, passives);

  const deliver = async (userId: string, cb: BuiltCallback): Promise<SeenMessage[]> => {
    last.set(userId, cb);
    const before = server.lastSeq();
    const res = await fetch(app.url + cb.path, {
      method: 'POST',
      body: cb.body,
      headers: { 'content-type': 'text/xml' },
    });
    const text = await res.text();
    if (res.status !== 200)
      throw new Error(`the app answered the callback with HTTP ${res.status}: ${text.slice(0, 100)}`);
    const out: SeenMessage[] = [];
    if (text) {
      const reply = client.openReply(text);
      if (reply.ToUserName !== userId) throw new Error(`passive reply addressed to ${reply.ToUserName}, not ${userId}`);
      if (reply.MsgType === 'update_template_card') {
        // the clicked card redrawn for the clicker: WeCom (the local server) applies it to that user's copy
        // read as WeCom reads it: a wrong element name is refused here, not guessed at
        const refused = server.recordPassiveCardXml(userId, reply.TemplateCard);
        const card = templateCardFromXml(reply.TemplateCard);
        if (refused) throw new Error(`passive card update refused: ${refused.errmsg}`);
        const { lines, ...seenC } = seenCard(card);
        out.push({ kind: 'card', text: lines.join('\n'), card: seenC, raw: reply });
      } else {
        const msg: SeenMessage = { kind: 'text', text: reply.Content ?? '', raw: reply };
        passives.push({ userId, after: before, msg });
        out.push(msg);
      }
    }
    await app.background.idle();
    // what the message caused beyond its answer (claim notices, cards) goes out through the job queue
    await app.jobs.idle();
    for (const m of server.messagesTo(userId)) if (m.seq > before) out.push(seen(server, m, userId));
    return out;
  };

  return {
    platform: 'wecom',
    say: (userId, text) => deliver(userId, client.seal(client.text(userId, text))),
    expireMedia: () => server.forgetMedia(),
    sendImage(userId, png) {
      const { mediaId, picUrl } = server.putMedia(png);
      return deliver(userId, client.seal(client.image(userId, mediaId, picUrl)));
    },
    sendFile(userId, name, bytes) {
      const mediaId = server.putFile(bytes, name);
      return deliver(userId, client.seal(client.file(userId, mediaId)));
    },
    click(userId, cardId, buttonKey) {
      const card = server.card(cardId);
      const code = server.issueClickCode(cardId);
      return deliver(
        userId,
        client.seal(
          client.cardClick(userId, cardId, buttonKey, code, str(card?.current.card_type) || 'button_interaction'),
        ),
      );
    },
    redeliverLast(userId) {
      const cb = last.get(userId);
      if (!cb) throw new Error(`nothing was delivered for ${userId} yet`);
      return deliver(userId, cb);
    },
    inbox(userId) {
      const fromServer = server.messagesTo(userId).map((m) => ({ order: m.seq, msg: seen(server, m, userId) }));
      const fromPassive = passives
        .filter((p) => p.userId === userId)
        .map((p) => ({ order: p.after + 0.5, msg: p.msg }));
      return [...fromServer, ...fromPassive].sort((x, y) => x.order - y.order).map((e) => e.msg);
    },
    groupInbox(chatId) {
      return server.messagesToChat(chatId).map((m) => seen(server, m));
    },
    card(userId, cardId) {
      const current = server.cardFor(cardId, userId);
      if (!current) return undefined;
      const { lines: _lines, ...card } = seenCard(current);
      return card;
    },
  };
}
