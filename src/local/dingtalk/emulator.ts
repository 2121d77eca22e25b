/**
 * The EmulatorAdapter of the DingTalk channel: it plays DingTalk towards the app. A user's message is posted
 * exactly as DingTalk posts it (the robot message body with a sessionWebhook of the local server, signed with
 * timestamp + sign), or pushed over the local Stream gateway when the app runs in Stream mode; a click goes
 * through the local server's simulated card callback; what the user sees is read from the local server's records.
 */
import { randomBytes } from 'node:crypto';
import { CALLBACK_PATH, CARD_CALLBACK_PATH } from '../../channels/dingtalk/callback.js';
import type { DingtalkCredentials } from '../../channels/dingtalk/credentials.js';
import { robotSign } from '../../channels/dingtalk/sign.js';
import type { EmulatedMessage, EmulatorAdapter } from '../emulator/adapter.js';
import type { LocalDingtalkServer, RecordedMessage } from './local-server.js';

export interface DingtalkEmulator extends EmulatorAdapter {
  /** where the app listens (set once the HTTP server is up) */
  appUrl: string;
  mode: 'http' | 'stream';
}

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const list = (v: string | undefined): unknown[] => {
  try {
    const a = JSON.parse(v ?? '[]') as unknown;
    return Array.isArray(a) ? a : [];
  } catch {
    return [];
  }
};

/** a recorded message as the emulator shows it; cards in their latest state */
export function toEmulated(server: LocalDingtalkServer, m: RecordedMessage): EmulatedMessage {
  const base = { seq: m.seq, at: m.at, to: m.to };
  if (m.api === 'card') {
    const id = s(m.param.outTrackId);
    const card = server.card(id);
    const p = card?.params ?? {};
    const finalText = p.finalText || undefined;
    return {
      ...base,
      seq: card ? card.lastSeq : m.seq,
      kind: 'card',
      card: {
        id,
        title: p.title ?? '',
        ...(p.description ? { description: p.description } : {}),
        fields: list(p.fields).map((f) => ({ label: s(obj(f).label), value: s(obj(f).value) })),
        buttons: finalText ? [] : list(p.buttons).map((b) => ({ key: s(obj(b).key), text: s(obj(b).text) })),
        ...(finalText ? { finalText } : {}),
      },
    };
  }
  if (m.msgKey === 'sampleFile') {
    const media = server.media(s(m.param.mediaId));
    const name = s(m.param.fileName) || '文件';
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
  if (m.msgKey === 'sampleImageMsg') {
    const media = server.media(s(m.param.photoURL));
    return {
      ...base,
      kind: 'image',
      ...(media ? { imageDataUrl: `data:${media.contentType};base64,${media.bytes.toString('base64')}` } : {}),
    };
  }
  if (m.msgKey === 'sampleMarkdown' || m.msgKey === 'markdown')
    return { ...base, kind: 'markdown', text: s(m.param.text) };
  if (m.msgKey === 'sampleText' || m.msgKey === 'text') return { ...base, kind: 'text', text: s(m.param.content) };
  return { ...base, kind: 'text', text: `[${m.msgKey}]` };
}

export function createDingtalkEmulator(opts: {
  creds: DingtalkCredentials;
  server: LocalDingtalkServer;
  now: () => Date;
  appUrl: string;
  mode: 'http' | 'stream';
}): DingtalkEmulator {
  const { creds, server } = opts;

  const deliver = async (userId: string, fields: Record<string, unknown>) => {
    const createAt = opts.now().getTime();
    const session = server.openSession({ userId });
    const body = {
      conversationId: `cid${Buffer.from(userId).toString('base64url')}`,
      chatbotCorpId: creds.corpId,
      chatbotUserId: `$:LWCP_v1:$robot${creds.robotCode}`,
      msgId: `msg${randomBytes(12).toString('base64url')}`,
      senderNick: userId,
      isAdmin: false,
      senderStaffId: userId,
      sessionWebhookExpiredTime: session.expiresAt,
      createAt,
      senderCorpId: creds.corpId,
      conversationType: '1',
      senderId: `$:LWCP_v1:$${Buffer.from(userId).toString('base64url')}`,
      sessionWebhook: session.url,
      robotCode: creds.robotCode,
      ...fields,
    };
    if (emulator.mode === 'stream') {
      await server.gateway.push('/v1.0/im/bot/messages/get', body);
      return;
    }
    const timestamp = String(server.signingTime(createAt));
    const res = await fetch(new URL(CALLBACK_PATH, emulator.appUrl), {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', timestamp, sign: robotSign(creds.appSecret, timestamp) },
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`the app answered the callback with HTTP ${res.status}`);
  };

  const emulator: DingtalkEmulator = {
    appUrl: opts.appUrl,
    mode: opts.mode,
    sendText: (userId, text) => deliver(userId, { msgtype: 'text', text: { content: text } }),
    async sendImage(userId, png) {
      const downloadCode = server.putMedia(png);
      await deliver(userId, { msgtype: 'picture', content: { downloadCode, pictureDownloadCode: downloadCode } });
    },
    async sendFile(userId, name, bytes) {
      const downloadCode = server.putMedia(bytes, 'application/octet-stream', name);
      await deliver(userId, { msgtype: 'file', content: { downloadCode, fileName: name } });
    },
    async click(userId, cardId, buttonKey) {
      const r = await server.click(userId, cardId, buttonKey, {
        fallbackUrl: new URL(CARD_CALLBACK_PATH, emulator.appUrl).toString(),
      });
      if (r.status !== 200) throw new Error(`the app answered the card click with HTTP ${r.status}`);
    },
    async ensureGroup(chatId, name, userIds) {
      // what an admin does once for a real organisation: the group exists and the app robot is in it
      server.putGroup(chatId, name, userIds);
    },
    messages(to, afterSeq = 0) {
      const recorded = 'userId' in to ? server.messagesTo(to.userId) : server.messagesToChat(to.chatId);
      return recorded.map((m) => toEmulated(server, m)).filter((e) => e.seq > afterSeq);
    },
  };
  return emulator;
}
