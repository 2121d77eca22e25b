/**
 * The robot message body (HTTP-mode POST body = the `data` of a Stream robot frame, DINGTALK.md §1–§2) and the card
 * click body (§5.4), parsed with zod and normalised to InboundMessage. Sources: DingTalk's receive-message page
 * (https://open.dingtalk.com/document/orgapp/receive-message), developerpedia docs/learn/bot/message.md, and the
 * official SDKs' models (dingtalk-stream-sdk-python chatbot.py, -go chatbot/model.go).
 */
import { z } from 'zod';
import type { InboundMessage } from '../../core/messages.js';
import { must } from '../../core/must.js';

export const PLATFORM = 'dingtalk';

/** a file message's content (DingTalk's receive-message page: downloadCode, fileName, fileId, spaceId) */
const FileContent = z.object({
  downloadCode: z.string().min(1),
  fileName: z.string().min(1).max(255),
  fileId: z.string().optional(),
  spaceId: z.string().optional(),
});

/** how a received file's bytes are fetched (robot messageFiles/download, then the URL it names) */
export type FileFetcher = (downloadCode: string, maxBytes: number) => Promise<{ bytes: Buffer; name?: string }>;

const Picture = z.object({
  downloadCode: z.string().min(1).optional(),
  pictureDownloadCode: z.string().min(1).optional(),
});

export const RobotMessageSchema = z.object({
  msgtype: z.string().min(1),
  msgId: z.string().min(1).max(200),
  createAt: z.coerce.number().int().positive(),
  /** "1" one-to-one, "2" group */
  conversationType: z.enum(['1', '2']),
  conversationId: z.string().min(1),
  conversationTitle: z.string().optional(),
  senderId: z.string().min(1),
  /** the sender's org userId; only once the robot is published (DINGTALK.md §1) */
  senderStaffId: z.string().min(1).optional(),
  senderNick: z.string().optional(),
  senderCorpId: z.string().optional(),
  chatbotCorpId: z.string().optional(),
  chatbotUserId: z.string().optional(),
  isAdmin: z.boolean().optional(),
  isInAtList: z.boolean().optional(),
  robotCode: z.string().min(1),
  /** any string: whether it may be used is the receiver's decision (receive.ts), so a bad one loses no message */
  sessionWebhook: z.string().max(4096).optional(),
  sessionWebhookExpiredTime: z.coerce.number().int().optional(),
  text: z.object({ content: z.string() }).optional(),
  /** picture: {downloadCode, pictureDownloadCode}; richText: {richText: [{text} | {type:'picture', downloadCode}]} */
  content: z.unknown().optional(),
});
export type RobotMessage = z.infer<typeof RobotMessageSchema>;

const RichText = z.object({
  richText: z.array(z.object({ text: z.string().optional(), type: z.string().optional() }).and(Picture)).min(1),
});

export class InboundShapeError extends Error {}

/** Where a reply to this message may go without an API call, while it is valid. */
export interface SessionRoute {
  url: string;
  expiresAt: number;
}

export interface RobotInbound {
  msg: InboundMessage;
  session?: SessionRoute;
  /** a group message the robot was not @-mentioned in: acknowledged, not handled */
  ignore: boolean;
}

export function robotInbound(m: RobotMessage, receivedAt: Date, fetchFile?: FileFetcher): RobotInbound {
  const base = {
    platform: PLATFORM,
    userId: m.senderStaffId ?? m.senderId,
    ...(m.conversationType === '2' ? { chatId: m.conversationId } : {}),
    dedupeKey: m.msgId,
    receivedAt,
  };
  const session = m.sessionWebhook
    ? { url: m.sessionWebhook, expiresAt: m.sessionWebhookExpiredTime ?? m.createAt + 90 * 60_000 }
    : undefined;
  const ignore = m.conversationType === '2' && m.isInAtList === false;
  const out = (msg: InboundMessage): RobotInbound => ({ msg, ...(session ? { session } : {}), ignore });

  switch (m.msgtype) {
    case 'text': {
      if (!m.text) throw new InboundShapeError('text message without text.content');
      // a group message keeps a leading space where the @name was stripped
      return out({ ...base, kind: 'text', text: m.text.content.trim() });
    }
    case 'picture': {
      const p = Picture.safeParse(m.content);
      const code = p.success ? (p.data.downloadCode ?? p.data.pictureDownloadCode) : undefined;
      if (!code) throw new InboundShapeError('picture message without content.downloadCode');
      return out({ ...base, kind: 'image', mediaId: code });
    }
    case 'file': {
      const f = FileContent.safeParse(m.content);
      if (!f.success) throw new InboundShapeError('file message without content.downloadCode and content.fileName');
      if (!fetchFile) return out({ ...base, kind: 'unsupported', originalType: 'file' });
      const { downloadCode, fileName } = f.data;
      return out({
        ...base,
        kind: 'file',
        name: fileName,
        fetchFile: (maxBytes: number) => fetchFile(downloadCode, maxBytes),
      });
    }
    case 'richText': {
      const r = RichText.safeParse(m.content);
      if (!r.success) throw new InboundShapeError('richText message without content.richText');
      const text = r.data.richText
        .map((p) => p.text ?? '')
        .join('')
        .trim();
      const picture = r.data.richText.find((p) => p.type === 'picture' && (p.downloadCode ?? p.pictureDownloadCode));
      if (text) return out({ ...base, kind: 'text', text });
      if (picture)
        return out({
          ...base,
          kind: 'image',
          mediaId: must(picture.downloadCode ?? picture.pictureDownloadCode, 'the picture schema requires a code'),
        });
      throw new InboundShapeError('richText message with neither text nor picture');
    }
    default:
      return out({ ...base, kind: 'unsupported', originalType: m.msgtype });
  }
}

/** The click of a card-platform button whose event is 回传请求 (https://open.dingtalk.com/document/orgapp/event-callback-card). */
export const CardCallbackSchema = z.object({
  type: z.string().optional(),
  outTrackId: z.string().min(1),
  corpId: z.string().optional(),
  userId: z.string().min(1),
  userIdType: z.coerce.number().optional(),
  spaceType: z.string().optional(),
  spaceId: z.string().optional(),
  /** a JSON string: {cardPrivateData: {actionIds: [...], params: {...}}} */
  content: z.string().min(2),
});
export type CardCallback = z.infer<typeof CardCallbackSchema>;

const CardContent = z.object({
  cardPrivateData: z.object({
    actionIds: z.array(z.string()).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** A click is personal even on a group's card: no chatId, the answer goes to the clicker.
 * Our template's buttons carry params {action: <CardButton.key>} (templates/dingtalk/approval-card.json). */
export function cardClickInbound(c: CardCallback, deliveryId: string, receivedAt: Date): InboundMessage {
  let content: unknown;
  try {
    content = JSON.parse(c.content);
  } catch {
    throw new InboundShapeError('card callback content is not JSON');
  }
  const r = CardContent.safeParse(content);
  if (!r.success) throw new InboundShapeError('card callback content without cardPrivateData');
  const action = r.data.cardPrivateData.params?.action;
  const key = typeof action === 'string' && action ? action : r.data.cardPrivateData.actionIds?.[0];
  if (!key) throw new InboundShapeError('card callback without an action');
  return {
    platform: PLATFORM,
    userId: c.userId,
    dedupeKey: `card:${deliveryId}`,
    receivedAt,
    kind: 'card_click',
    cardId: c.outTrackId,
    action: key,
  };
}
