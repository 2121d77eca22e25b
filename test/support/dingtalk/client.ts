/**
 * Plays DingTalk towards the app in tests: robot message bodies as DingTalk posts them (field list of DINGTALK.md
 * §1, the official sample's shapes), signed headers from the test's own sign.ts, and card click bodies (§5.4).
 */
import { randomBytes } from 'node:crypto';
import { signCard, signRobot } from './sign.js';

export interface TestCreds {
  appSecret: string;
  robotCode: string;
  corpId: string;
  cardApiSecret: string;
}

let seq = 0;
/**
 * DingTalk signs with its own moving clock, so two deliveries never share a signed timestamp; tests freeze the
 * app's clock, so the default timestamps here are "now", moved on by a millisecond when that one was already
 * signed (the app accepts a signed timestamp with one body only: sign.ts usePairOnce).
 */
const signed = new Set<number>();
function freshTimestamp(nowMs: number): number {
  let t = nowMs;
  while (signed.has(t)) t++;
  signed.add(t);
  return t;
}
export const nextMsgId = () => `msgR${Date.now().toString(36)}${(seq++).toString(36)}${randomBytes(4).toString('hex')}`;

export interface RobotBodyOptions {
  msgId?: string;
  group?: { conversationId: string; title?: string; atRobot?: boolean };
  session?: { url: string; expiresAt: number };
  robotCode?: string;
  createAt?: number;
  staffId?: boolean;
}

export class DingtalkTestClient {
  constructor(
    readonly creds: TestCreds,
    private readonly now: () => Date = () => new Date(),
  ) {}

  body(userId: string, fields: Record<string, unknown>, o: RobotBodyOptions = {}): Record<string, unknown> {
    const createAt = o.createAt ?? this.now().getTime();
    const session = o.session ?? {
      url: 'https://oapi.dingtalk.com/robot/sendBySession?session=unused',
      expiresAt: createAt + 90 * 60_000,
    };
    return {
      conversationId: o.group?.conversationId ?? `cid${Buffer.from(userId).toString('base64')}`,
      ...(o.group ? { conversationTitle: o.group.title ?? '工会群', isInAtList: o.group.atRobot ?? true } : {}),
      atUsers: o.group ? [{ dingtalkId: '$:LWCP_v1:$robot' }] : [],
      chatbotCorpId: this.creds.corpId,
      chatbotUserId: '$:LWCP_v1:$robot',
      msgId: o.msgId ?? nextMsgId(),
      senderNick: userId,
      isAdmin: false,
      ...(o.staffId === false ? {} : { senderStaffId: userId }),
      sessionWebhookExpiredTime: session.expiresAt,
      createAt,
      senderCorpId: this.creds.corpId,
      conversationType: o.group ? '2' : '1',
      senderId: `$:LWCP_v1:$${Buffer.from(userId).toString('base64')}`,
      sessionWebhook: session.url,
      robotCode: o.robotCode ?? this.creds.robotCode,
      ...fields,
    };
  }

  text(userId: string, content: string, o: RobotBodyOptions = {}) {
    // in a group DingTalk leaves a space where the @name was
    return this.body(userId, { msgtype: 'text', text: { content: o.group ? ` ${content}` : content } }, o);
  }

  picture(userId: string, downloadCode: string, o: RobotBodyOptions = {}) {
    return this.body(
      userId,
      { msgtype: 'picture', content: { downloadCode, pictureDownloadCode: `p${downloadCode}` } },
      o,
    );
  }

  richText(userId: string, parts: Record<string, unknown>[], o: RobotBodyOptions = {}) {
    return this.body(userId, { msgtype: 'richText', content: { richText: parts } }, o);
  }

  /** headers of a robot callback signed at `timestampMs` (default: now, never signed before) */
  headers(timestampMs = freshTimestamp(this.now().getTime()), secret = this.creds.appSecret): Record<string, string> {
    const timestamp = String(timestampMs);
    return { 'content-type': 'application/json', timestamp, sign: signRobot(secret, timestamp) };
  }

  cardClick(userId: string, outTrackId: string, action: string): Record<string, unknown> {
    return {
      type: 'actionCallback',
      outTrackId,
      corpId: this.creds.corpId,
      userId,
      content: JSON.stringify({ cardPrivateData: { actionIds: [action], params: { action } } }),
    };
  }

  cardHeaders(
    timestampMs = freshTimestamp(this.now().getTime()),
    secret = this.creds.cardApiSecret,
  ): Record<string, string> {
    const ts = String(timestampMs);
    return {
      'content-type': 'application/json',
      'x-ddpaas-signature-timestamp': ts,
      'x-ddpaas-signature': signCard(secret, ts),
    };
  }
}
