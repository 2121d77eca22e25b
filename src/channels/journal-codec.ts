/**
 * What the inbound journal keeps of a message and of its replies, as JSON (read back with zod: an entry of another
 * shape is a dead letter, never a crash). A file message's download is a function of its platform's API and cannot
 * be kept: taken over after a restart its download fails, so the bot answers it busy (the user sends it again)
 * instead of it being lost. A card answer (a click's redrawn card) is not kept: the delivery sweep redraws cards.
 * Cards the bot records once sent are kept as plain cards, without their recording.
 */
import { z } from 'zod';
import type { InboundMessage, OutboundMessage, Reply } from '../core/messages.js';

export function serializeMessage(msg: InboundMessage): string {
  // JSON drops a file message's fetchFile; the date becomes its ISO string
  return JSON.stringify(msg);
}

const StoredMessage = z.looseObject({
  platform: z.string(),
  userId: z.string(),
  chatId: z.string().optional(),
  dedupeKey: z.string(),
  receivedAt: z.string(),
  kind: z.enum(['text', 'image', 'card_click', 'event', 'file', 'unsupported']),
});

export class FileGoneError extends Error {
  override name = 'FileGoneError';
}

/** null when the stored text is not a message */
export function reviveMessage(raw: string): InboundMessage | null {
  let parsed: z.infer<typeof StoredMessage>;
  try {
    const r = StoredMessage.safeParse(JSON.parse(raw));
    if (!r.success) return null;
    parsed = r.data;
  } catch {
    return null;
  }
  const msg = { ...parsed, receivedAt: new Date(parsed.receivedAt) } as unknown as InboundMessage;
  if (msg.kind === 'file')
    msg.fetchFile = () =>
      Promise.reject(new FileGoneError('a file message taken over after a restart cannot be downloaded again'));
  return msg;
}

type StoredReply =
  | { kind: 'text' | 'markdown'; text: string }
  | { kind: 'image'; b64: string; name?: string }
  | { kind: 'file'; b64: string; name: string }
  | { kind: 'card'; card: unknown };

/**
 * Bytes of images and files a kept reply list may hold: a ranking chart is kept, an XLSX export of megabytes is not
 * (it would cost the store megabytes per export while it is sent; asked for again, the export is made again).
 */
export const KEPT_BYTES_MAX = 512 * 1024;

export function serializeReplies(replies: Reply[]): string {
  const out: StoredReply[] = [];
  let bytes = 0;
  for (const r of replies) {
    if (r.kind === 'card_answer') continue;
    if (r.kind === 'cards_to_record') {
      // kept as plain cards (core/messages.ts CardsToRecord): after a crash they are sent, not recorded
      for (const card of r.cards) out.push({ kind: 'card', card });
      continue;
    }
    if (r.kind === 'image' || r.kind === 'file') {
      const b = r.kind === 'image' ? r.png : r.bytes;
      if (bytes + b.length > KEPT_BYTES_MAX) continue;
      bytes += b.length;
      out.push(
        r.kind === 'image'
          ? { kind: 'image', b64: b.toString('base64'), ...(r.name ? { name: r.name } : {}) }
          : { kind: 'file', b64: b.toString('base64'), name: r.name },
      );
    } else out.push(r);
  }
  return JSON.stringify(out);
}

const StoredReplies = z.array(
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('text'), text: z.string() }),
    z.object({ kind: z.literal('markdown'), text: z.string() }),
    z.object({ kind: z.literal('image'), b64: z.string(), name: z.string().optional() }),
    z.object({ kind: z.literal('file'), b64: z.string(), name: z.string() }),
    z.object({ kind: z.literal('card'), card: z.record(z.string(), z.unknown()) }),
  ]),
);

/** null when the stored text is not a list of replies */
export function reviveReplies(raw: string): OutboundMessage[] | null {
  let parsed: z.infer<typeof StoredReplies>;
  try {
    const r = StoredReplies.safeParse(JSON.parse(raw));
    if (!r.success) return null;
    parsed = r.data;
  } catch {
    return null;
  }
  return parsed.map((r): OutboundMessage => {
    switch (r.kind) {
      case 'image':
        return { kind: 'image', png: Buffer.from(r.b64, 'base64'), ...(r.name ? { name: r.name } : {}) };
      case 'file':
        return { kind: 'file', bytes: Buffer.from(r.b64, 'base64'), name: r.name };
      case 'card':
        return { kind: 'card', card: r.card as never };
      default:
        return r;
    }
  });
}
