/**
 * A decrypted WeCom callback (WECOM.md §3) → the neutral InboundMessage. Only shapes, no business logic: types the
 * bot does not understand become `unsupported` and the bot answers them.
 */
import { z } from 'zod';
import type { InboundMessage } from '../../core/messages.js';

const str = z.string();
const Header = z.object({
  ToUserName: str,
  FromUserName: str.min(1),
  CreateTime: str.regex(/^\d{1,12}$/),
  MsgType: str.min(1),
});
const Text = Header.extend({ MsgType: z.literal('text'), Content: str, MsgId: str.regex(/^\d{1,20}$/) });
const Image = Header.extend({
  MsgType: z.literal('image'),
  MediaId: str.min(1),
  PicUrl: str.optional(),
  MsgId: str.regex(/^\d{1,20}$/),
});
/** a file the user sent the app (MediaId for media/get; the name when the callback carries one) */
const File = Header.extend({
  MsgType: z.literal('file'),
  MediaId: str.min(1),
  FileName: str.optional(),
  FileSize: str.regex(/^\d{1,12}$/).optional(),
  MsgId: str.regex(/^\d{1,20}$/),
});
const Event = Header.extend({
  MsgType: z.literal('event'),
  Event: str.min(1),
  EventKey: str.optional(),
  TaskId: str.optional(),
  ResponseCode: str.optional(),
});
const Other = Header.extend({ MsgId: str.optional() });

export class InboundShapeError extends Error {}

const CARD_EVENTS = new Set(['template_card_event', 'template_card_menu_event']);

/** how a file's bytes are fetched (media/get); without it a file message is `unsupported` */
export type MediaFetcher = (mediaId: string, maxBytes: number) => Promise<{ bytes: Buffer; name?: string }>;

export function toInbound(
  fields: Record<string, unknown>,
  receivedAt: Date,
  fetchMedia?: MediaFetcher,
): InboundMessage {
  const head = Header.safeParse(fields);
  if (!head.success)
    throw new InboundShapeError(`missing header fields: ${head.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  const base = { platform: 'wecom', userId: head.data.FromUserName, receivedAt };
  const parse = <T>(schema: z.ZodType<T>): T => {
    const r = schema.safeParse(fields);
    if (!r.success)
      throw new InboundShapeError(
        `bad ${head.data.MsgType}: ${r.error.issues.map((i) => i.path.join('.')).join(', ')}`,
      );
    return r.data;
  };
  switch (head.data.MsgType) {
    case 'text': {
      const m = parse(Text);
      return { ...base, kind: 'text', text: m.Content, dedupeKey: `msg:${m.MsgId}` };
    }
    case 'image': {
      const m = parse(Image);
      return { ...base, kind: 'image', mediaId: m.MediaId, url: m.PicUrl || undefined, dedupeKey: `msg:${m.MsgId}` };
    }
    case 'file': {
      const m = parse(File);
      if (!fetchMedia) return { ...base, kind: 'unsupported', originalType: 'file', dedupeKey: `msg:${m.MsgId}` };
      return {
        ...base,
        kind: 'file',
        name: m.FileName || '',
        ...(m.FileSize ? { size: Number(m.FileSize) } : {}),
        fetchFile: (maxBytes: number) => fetchMedia(m.MediaId, maxBytes),
        dedupeKey: `msg:${m.MsgId}`,
      };
    }
    case 'event': {
      const m = parse(Event);
      // events carry no MsgId: the user, the time and what was clicked identify a delivery (WECOM.md §2, §7)
      const dedupeKey = `evt:${m.FromUserName}:${m.CreateTime}:${m.Event}:${m.EventKey ?? ''}:${m.TaskId ?? ''}`;
      if (CARD_EVENTS.has(m.Event) && m.TaskId)
        return {
          ...base,
          kind: 'card_click',
          cardId: m.TaskId,
          action: m.EventKey ?? '',
          responseCode: m.ResponseCode || undefined,
          dedupeKey,
        };
      return { ...base, kind: 'event', event: m.Event, dedupeKey };
    }
    default: {
      const m = parse(Other);
      const dedupeKey = m.MsgId ? `msg:${m.MsgId}` : `other:${m.FromUserName}:${m.CreateTime}:${m.MsgType}`;
      return { ...base, kind: 'unsupported', originalType: m.MsgType, dedupeKey };
    }
  }
}
