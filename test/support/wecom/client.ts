/**
 * Plays WeCom towards the app in tests: builds callbacks exactly as WeCom posts them (WECOM.md §2, §3), encrypted
 * and signed with the independent test crypto, and opens the passive replies, checking their signature.
 */
import { randomBytes } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { decrypt, encrypt, signature } from './crypto.js';

export interface TestCreds {
  corpId: string;
  token: string;
  encodingAesKey: string;
  agentId: number;
}

const parser = new XMLParser({ processEntities: false, parseTagValue: false, trimValues: true });

const cdata = (v: string) => `<![CDATA[${v}]]>`;

export function xmlOf(fields: Record<string, string | number>): string {
  return `<xml>${Object.entries(fields)
    .map(([k, v]) => `<${k}>${typeof v === 'number' ? v : cdata(v)}</${k}>`)
    .join('')}</xml>`;
}

export interface BuiltCallback {
  /** path + query, e.g. /wecom/callback?msg_signature=… */
  path: string;
  body: string;
  timestamp: string;
  nonce: string;
}

export interface PassiveReply {
  ToUserName: string;
  FromUserName: string;
  CreateTime: string;
  MsgType: string;
  Content?: string;
  /** MsgType update_template_card: the clicker's card redrawn */
  TemplateCard?: unknown;
}

let msgSeq = 0;
export const nextMsgId = () =>
  `${7_300_000_000_000_000_000n + BigInt(Date.now() % 1_000_000_000) * 1000n + BigInt(msgSeq++ % 1000)}`;

export class WecomTestClient {
  constructor(
    readonly creds: TestCreds,
    /** the clock of the app: callbacks carry its time */
    private readonly now: () => Date = () => new Date(),
  ) {}

  get createTime(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  plaintext(userId: string, fields: Record<string, string | number>, createTime = this.createTime): string {
    return xmlOf({
      ToUserName: this.creds.corpId,
      FromUserName: userId,
      CreateTime: createTime,
      ...fields,
      AgentID: this.creds.agentId,
    });
  }

  text(userId: string, content: string, msgId = nextMsgId()): string {
    return this.plaintext(userId, { MsgType: 'text', Content: content, MsgId: msgId });
  }

  image(userId: string, mediaId: string, picUrl: string, msgId = nextMsgId()): string {
    return this.plaintext(userId, { MsgType: 'image', PicUrl: picUrl, MediaId: mediaId, MsgId: msgId });
  }

  /** a file message: WeCom names only its MediaId (the name comes with media/get) */
  file(userId: string, mediaId: string, msgId = nextMsgId()): string {
    return this.plaintext(userId, { MsgType: 'file', MediaId: mediaId, MsgId: msgId });
  }

  event(userId: string, event: string, eventKey = ''): string {
    return this.plaintext(userId, { MsgType: 'event', Event: event, EventKey: eventKey });
  }

  cardClick(
    userId: string,
    taskId: string,
    key: string,
    responseCode: string,
    cardType = 'button_interaction',
  ): string {
    return this.plaintext(userId, {
      MsgType: 'event',
      Event: 'template_card_event',
      EventKey: key,
      TaskId: taskId,
      CardType: cardType,
      ResponseCode: responseCode,
    });
  }

  /** the POST WeCom makes for a plaintext message; overrides forge parts of it */
  seal(
    plaintext: string,
    o: { timestamp?: string; nonce?: string; receiveId?: string; token?: string; signature?: string } = {},
  ): BuiltCallback {
    const timestamp = o.timestamp ?? String(this.createTime);
    const nonce = o.nonce ?? String(randomBytes(4).readUInt32BE(0));
    const encrypted = encrypt(this.creds.encodingAesKey, plaintext, o.receiveId ?? this.creds.corpId);
    return this.envelope(encrypted, { timestamp, nonce, token: o.token, signature: o.signature });
  }

  envelope(
    encrypted: string,
    o: { timestamp: string; nonce: string; token?: string; signature?: string },
  ): BuiltCallback {
    const sig = o.signature ?? signature(o.token ?? this.creds.token, o.timestamp, o.nonce, encrypted);
    const q = new URLSearchParams({ msg_signature: sig, timestamp: o.timestamp, nonce: o.nonce });
    const body = `<xml><ToUserName>${cdata(this.creds.corpId)}</ToUserName><AgentID>${cdata(String(this.creds.agentId))}</AgentID><Encrypt>${cdata(encrypted)}</Encrypt></xml>`;
    return { path: `/wecom/callback?${q}`, body, timestamp: o.timestamp, nonce: o.nonce };
  }

  /** URL verification: GET with an encrypted echostr */
  verification(echo: string): string {
    const timestamp = String(this.createTime);
    const nonce = String(randomBytes(4).readUInt32BE(0));
    const echostr = encrypt(this.creds.encodingAesKey, echo, this.creds.corpId);
    const q = new URLSearchParams({
      msg_signature: signature(this.creds.token, timestamp, nonce, echostr),
      timestamp,
      nonce,
      echostr,
    });
    return `/wecom/callback?${q}`;
  }

  /** checks the passive reply's envelope signature and receiveid, and returns its plaintext fields */
  openReply(body: string): PassiveReply {
    const outer = (parser.parse(body) as { xml: Record<string, string> }).xml;
    const expected = signature(this.creds.token, String(outer.TimeStamp), String(outer.Nonce), String(outer.Encrypt));
    if (expected !== outer.MsgSignature) throw new Error('passive reply: signature mismatch');
    const { message, receiveId } = decrypt(this.creds.encodingAesKey, String(outer.Encrypt));
    if (receiveId !== this.creds.corpId) throw new Error(`passive reply: receiveid ${receiveId}`);
    return (parser.parse(message) as { xml: PassiveReply }).xml;
  }
}
