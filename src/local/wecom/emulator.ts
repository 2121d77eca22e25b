/**
 * The EmulatorAdapter of the WeCom channel: it plays WeCom's side towards the app. Each action posts exactly the
 * callback WeCom would post (encrypted and signed with the app's credentials) to the app's real /wecom/callback,
 * records the passive reply it gets back, and reads everything else from the local WeCom API server's records.
 */

import { randomBytes } from 'node:crypto';
import { CALLBACK_PATH } from '../../channels/wecom/callback.js';
import type { WecomCredentials } from '../../channels/wecom/credentials.js';
import type { WecomCrypto } from '../../channels/wecom/crypto.js';
import { buildXml, parseXmlRoot } from '../../channels/wecom/xml.js';
import type { EmulatedMessage, EmulatorAdapter } from '../emulator/adapter.js';
import type { LocalWecomServer, RecordedMessage } from './local-server.js';

export interface WecomEmulator extends EmulatorAdapter {
  /** where the app listens (set once the HTTP server is up) */
  appUrl: string;
}

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const s = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** a recorded message as the emulator shows it; cards in their latest state */
export function toEmulated(server: LocalWecomServer, m: RecordedMessage): EmulatedMessage {
  const to =
    'userIds' in m.to
      ? { userId: m.to.userIds[0] ?? '' }
      : 'chatId' in m.to
        ? { chatId: m.to.chatId }
        : { chatId: m.to.robotKey };
  const base = { seq: m.seq, at: m.at, to };
  const body = m.body;
  if (m.msgtype === 'text' || m.msgtype === 'markdown')
    return { ...base, kind: m.msgtype, text: s(obj(body[m.msgtype]).content) };
  if (m.msgtype === 'image') {
    const img = obj(body.image);
    const media = typeof img.media_id === 'string' ? server.media(img.media_id) : undefined;
    const bytes = media?.bytes ?? (typeof img.base64 === 'string' ? Buffer.from(img.base64, 'base64') : undefined);
    return {
      ...base,
      kind: 'image',
      imageDataUrl: bytes ? `data:${media?.contentType ?? 'image/png'};base64,${bytes.toString('base64')}` : undefined,
    };
  }
  if (m.msgtype === 'file') {
    const media = server.media(s(obj(body.file).media_id));
    const name = media?.filename ?? '文件';
    return {
      ...base,
      kind: 'file',
      text: name,
      file: {
        name,
        ...(media ? { dataUrl: `data:${media.contentType};base64,${media.bytes.toString('base64')}` } : {}),
      },
    };
  }
  if (m.msgtype === 'template_card') {
    const taskId = s(obj(body.template_card).task_id);
    const rec = server.card(taskId);
    const card = rec?.current ?? obj(body.template_card);
    const replace = s(card.replace_text);
    return {
      ...base,
      seq: rec ? rec.lastSeq : m.seq,
      kind: 'card',
      card: {
        id: taskId,
        title: s(obj(card.main_title).title),
        description: s(card.sub_title_text) || undefined,
        fields: (Array.isArray(card.horizontal_content_list) ? card.horizontal_content_list : []).map((f) => ({
          label: s(obj(f).keyname),
          value: s(obj(f).value),
        })),
        buttons: replace
          ? []
          : (Array.isArray(card.button_list) ? card.button_list : []).map((b) => ({
              key: s(obj(b).key),
              text: s(obj(b).text),
            })),
        finalText: replace || undefined,
      },
    };
  }
  return { ...base, kind: 'text', text: `[${m.msgtype}]` };
}

export function createWecomEmulator(opts: {
  creds: WecomCredentials;
  crypto: WecomCrypto;
  server: LocalWecomServer;
  now: () => Date;
  appUrl: string;
}): WecomEmulator {
  const { creds, crypto, server } = opts;
  let msgIds = 0n;
  const nextMsgId = () => (BigInt(Date.now()) * 1000n + (msgIds++ % 1000n)).toString();

  const post = async (userId: string, fields: Record<string, string | number>) => {
    const createTime = Math.floor(opts.now().getTime() / 1000);
    const inner = buildXml({
      ToUserName: creds.corpId,
      FromUserName: userId,
      CreateTime: createTime,
      ...fields,
      AgentID: creds.agentId,
    });
    const env = crypto.seal(inner, String(createTime), String(randomBytes(4).readUInt32BE(0)));
    const url = new URL(CALLBACK_PATH, emulator.appUrl);
    url.searchParams.set('msg_signature', env.signature);
    url.searchParams.set('timestamp', env.timestamp);
    url.searchParams.set('nonce', env.nonce);
    const body = buildXml({ ToUserName: creds.corpId, AgentID: String(creds.agentId), Encrypt: env.encrypt });
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`the app answered the callback with HTTP ${res.status}`);
    if (!text) return;
    const outer = parseXmlRoot(text);
    const encrypted = s(outer.Encrypt);
    if (!crypto.verify(s(outer.MsgSignature), s(outer.TimeStamp), s(outer.Nonce), encrypted))
      throw new Error('passive reply signature mismatch');
    const reply = parseXmlRoot(crypto.decrypt(encrypted));
    if (reply.MsgType === 'text') server.recordPassive(userId, s(reply.Content));
    else if (reply.MsgType === 'update_template_card') {
      // a click answered with the clicker's card redrawn: WeCom applies it to that user's copy
      const refused = server.recordPassiveCardXml(userId, reply.TemplateCard);
      if (refused) throw new Error(`passive card update refused: ${refused.errmsg}`);
    }
  };

  const emulator: WecomEmulator = {
    appUrl: opts.appUrl,
    sendText: (userId, text) => post(userId, { MsgType: 'text', Content: text, MsgId: nextMsgId() }),
    async sendImage(userId, png) {
      const { mediaId, picUrl } = server.putMedia(png);
      await post(userId, { MsgType: 'image', PicUrl: picUrl, MediaId: mediaId, MsgId: nextMsgId() });
    },
    async sendFile(userId, name, bytes) {
      // WeCom's callback names only the MediaId; media/get gives the name back (Content-Disposition)
      const mediaId = server.putFile(bytes, name);
      await post(userId, { MsgType: 'file', MediaId: mediaId, MsgId: nextMsgId() });
    },
    async click(userId, cardId, buttonKey) {
      const card = server.card(cardId);
      await post(userId, {
        MsgType: 'event',
        Event: 'template_card_event',
        EventKey: buttonKey,
        TaskId: cardId,
        CardType: s(card?.current.card_type) || 'button_interaction',
        ResponseCode: server.issueClickCode(cardId),
      });
    },
    async ensureGroup(chatId, name, userIds) {
      // what an admin's appchat/create does once for a real corp
      server.putChat(chatId, userIds, name);
    },
    messages(to, afterSeq = 0) {
      const recorded = 'userId' in to ? server.messagesTo(to.userId) : server.messagesToChat(to.chatId);
      return recorded
        .map((m) => toEmulated(server, m))
        .map((e) => ('userId' in to ? { ...e, to } : e))
        .filter((e) => e.seq > afterSeq);
    },
  };
  return emulator;
}
