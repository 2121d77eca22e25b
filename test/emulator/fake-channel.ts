/**
 * A platform of the test's own for the emulator router's tests: its adapter hands messages straight to the bot
 * (no wire format) and records what the app sent, in the EmulatedMessage shape. It checks the router against the
 * EmulatorAdapter contract alone; the browser test runs the real channels.
 */

import type { ChannelFactory } from '../../src/channels/channel.js';
import type { Card, InboundMessage, OutboundMessage, Recipient } from '../../src/core/messages.js';
import type { EmulatedMessage } from '../../src/local/emulator/adapter.js';
import type { LocalChannel } from '../../src/local/start-local.js';

export interface FakeChannelLog {
  images: Buffer[];
  clicks: { userId: string; cardId: string; key: string }[];
  /** set to make every adapter call fail (the platform server is down) */
  failing: boolean;
}

export function fakeChannel(platform: string, log: FakeChannelLog): ChannelFactory {
  return async (deps) => {
    const recorded: EmulatedMessage[] = [];
    let seq = 0;
    let n = 0;
    const record = (to: EmulatedMessage['to'], msg: OutboundMessage) => {
      const base = { seq: ++seq, at: deps.now().toISOString(), to };
      if (msg.kind === 'image')
        recorded.push({ ...base, kind: 'image', imageDataUrl: `data:image/png;base64,${msg.png.toString('base64')}` });
      else if (msg.kind === 'card') recorded.push({ ...base, kind: 'card', card: cardOf(msg.card) });
      else if (msg.kind === 'file')
        recorded.push({
          ...base,
          kind: 'file',
          text: msg.name,
          file: { name: msg.name, dataUrl: `data:application/octet-stream;base64,${msg.bytes.toString('base64')}` },
        });
      else recorded.push({ ...base, kind: msg.kind, text: msg.text });
    };
    const cardOf = (c: Card) => ({
      id: c.id,
      title: c.title,
      description: c.description,
      fields: c.fields,
      buttons: c.buttons.map((b) => ({ key: b.key, text: b.text })),
      finalText: c.finalText,
    });
    const deliver = async (userId: string, body: Record<string, unknown>) => {
      if (log.failing) throw new Error('local platform server is down');
      const msg = {
        platform,
        userId,
        dedupeKey: `${userId}:${++n}`,
        receivedAt: deps.now(),
        ...body,
      } as InboundMessage;
      for (const r of await deps.handle(msg))
        if (r.kind === 'card_answer') await r.settle(null);
        else if (r.kind === 'cards_to_record') {
          for (const card of r.cards) record({ userId }, { kind: 'card', card });
          await r.recorded(r.cards.map((c) => ({ cardId: c.id })));
        } else record({ userId }, r);
    };
    const toTargets = (to: Recipient): EmulatedMessage['to'][] =>
      'chatId' in to ? [{ chatId: to.chatId }] : to.userIds.map((userId) => ({ userId }));
    const channel: LocalChannel = {
      platform,
      sender: {
        async send(to, msg) {
          for (const t of toTargets(to)) record(t, msg);
          return {};
        },
        async updateCard(ref, msg) {
          for (const m of recorded) if (m.card?.id === ref.cardId) m.card = cardOf(msg.card);
        },
      },
      emulator: {
        sendText: (userId, text) => deliver(userId, { kind: 'text', text }),
        async sendImage(userId, png) {
          log.images.push(png);
          await deliver(userId, { kind: 'image', mediaId: `media-${log.images.length}` });
        },
        async sendFile(userId, name, bytes) {
          await deliver(userId, {
            kind: 'file',
            name,
            fetchFile: async () => ({ bytes }),
          });
        },
        async click(userId, cardId, key) {
          log.clicks.push({ userId, cardId, key });
          await deliver(userId, { kind: 'card_click', cardId, action: key });
        },
        messages(to, afterSeq = 0) {
          const key = JSON.stringify(to);
          return recorded.filter((m) => m.seq > afterSeq && JSON.stringify(m.to) === key);
        },
      },
    };
    return channel;
  };
}

/** a channel without an emulator adapter (configured with real credentials): the page must not offer it */
export function realOnlyChannel(platform: string): ChannelFactory {
  return async () => ({ platform, sender: { send: async () => ({}), updateCard: async () => {} } });
}
