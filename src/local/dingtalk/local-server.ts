/**
 * A local DingTalk: a real HTTP + WebSocket server on 127.0.0.1 speaking what huzhu uses (DINGTALK.md §8): the
 * token, robot batch and group sends, sessionWebhooks, file download codes, oapi media upload, card callback
 * registration, createAndDeliver and update, simulated signed card clicks (HTTP route or Stream), and the Stream
 * gateway. It checks what it receives as DingTalk does (local-validate.ts), records everything for assertions and
 * the emulator, and answers injected faults: throttling, the monthly quota, expired tokens, flow-controlled and
 * invalid staff ids in batchSend's answer. Both API bases (v1.0
 * and oapi) are this one server. It never posts robot callbacks itself (the emulator or the test client does).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cardSignature, robotSign } from '../../channels/dingtalk/sign.js';
import { DEMO_CREDENTIALS, type DingtalkCredentials } from './demo.js';
import { LocalStreamGateway, type Subscription } from './local-gateway.js';
import {
  checkParamMap,
  checkRobotMsg,
  checkSpaces,
  checkUserIds,
  isRefusal,
  type Refusal,
  type Space,
} from './local-validate.js';

export interface LocalDingtalkServerOptions {
  creds?: DingtalkCredentials;
  /** expireIn of a new token, seconds */
  tokenTtlS?: number;
  /** how long a sessionWebhook lives (DingTalk: 90 min) */
  sessionTtlMs?: number;
  /** OpenAPI calls the organisation has left this month; unset = no limit */
  quotaLeft?: number;
  now?: () => number;
  /** the clock of the app it calls back: a click is signed with the app's time, so a frozen or moved app clock
   * (tests, the emulator's date picker) still verifies; default `now` */
  callbackNow?: () => number;
  /** a card click waits this long for the app's answer (DingTalk: 2 s) */
  clickDeadlineMs?: number;
  ticketTtlMs?: number;
  disconnectCloseMs?: number;
}

export interface RecordedRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  body: unknown;
  status: number;
  answer: unknown;
}

export type RecordedTarget = { userId: string } | { chatId: string };

export interface RecordedMessage {
  seq: number;
  at: string;
  api: 'batchSend' | 'groupSend' | 'sessionWebhook' | 'card' | 'robotWebhook';
  to: RecordedTarget;
  /** sampleText… for the API, text/markdown for a sessionWebhook, 'card' for a card */
  msgKey: string;
  /** msgParam parsed, the webhook's text/markdown object, or the card's outTrackId */
  param: Record<string, unknown>;
  body: Record<string, unknown>;
}

export interface RecordedCard {
  outTrackId: string;
  templateId: string;
  callbackType: 'STREAM' | 'HTTP';
  callbackRouteKey?: string;
  userIds: string[];
  chatIds: string[];
  seq: number;
  lastSeq: number;
  /** cardParamMap in its latest state */
  params: Record<string, string>;
  /** `at`: when the change reached DingTalk (the local server) */
  updates: { seq: number; at: string; via: 'api' | 'callback'; params: Record<string, string> }[];
}

export interface ClickResult {
  /** HTTP status of the app's answer (HTTP route), or 200 for a Stream ack; 0 when none came in time */
  status: number;
  answer: unknown;
}

export interface StoredMedia {
  id: string;
  bytes: Buffer;
  contentType: string;
  filename: string;
}

export type Fault = { status: number; code: string; message?: string } | { errcode: number; errmsg?: string };

const V1 = {
  token: '/v1.0/oauth2/accessToken',
  gateway: '/v1.0/gateway/connections/open',
  batchSend: '/v1.0/robot/oToMessages/batchSend',
  groupSend: '/v1.0/robot/groupMessages/send',
  download: '/v1.0/robot/messageFiles/download',
  register: '/v1.0/card/callbacks/register',
  deliver: '/v1.0/card/instances/createAndDeliver',
  deliverAgain: '/v1.0/card/instances/deliver',
  cardUpdate: '/v1.0/card/instances',
} as const;
const OAPI_UPLOAD = '/media/upload';
const SESSION_PATH = '/robot/sendBySession';
const ROBOT_PATH = '/robot/send';
const MEDIA_PREFIX = '/local/media/';
const MEDIA_MAX_BYTES = 20 * 1024 * 1024;
/** calls that do not count against the month (token and auth APIs are exempt: DINGTALK.md §0.4) */
const EXEMPT = new Set<string>([V1.token, V1.gateway, SESSION_PATH, ROBOT_PATH]);

class Answer {
  constructor(
    readonly status: number,
    readonly json?: unknown,
    readonly bytes?: { data: Buffer; type: string },
  ) {}
}
const json = (v: unknown, status = 200) => new Answer(status, v);
const refuse = (r: Refusal) => json({ code: r.code, message: r.message, requestid: randomUUID() }, r.status);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export class LocalDingtalkServer {
  readonly creds: DingtalkCredentials;
  url = '';
  readonly gateway: LocalStreamGateway;
  private server?: http.Server;
  private seq = 0;
  private readonly now: () => number;
  private readonly tokens = new Map<string, number>();
  private readonly faults: { fault: Fault; left: number; path?: string }[] = [];
  private readonly log: RecordedRequest[] = [];
  private readonly sent: RecordedMessage[] = [];
  private readonly cardStore = new Map<string, RecordedCard>();
  private readonly mediaStore = new Map<string, StoredMedia>();
  private readonly sessions = new Map<string, { to: RecordedTarget; expiresAt: number }>();
  private readonly routes = new Map<string, { callbackUrl: string; apiSecret: string }>();
  private readonly groups = new Map<string, { name: string; userIds: string[] }>();
  private readonly robots = new Map<string, { chatId: string; secret: string; hits: number[]; blockedUntil: number }>();
  private quotaLeft: number | undefined;
  private counted = 0;
  private readonly signedAt = new Set<number>();
  private readonly holds: { path: string; arrived: () => void; gate: Promise<void> }[] = [];
  /** staff id → batchSends still answered flow-controlled for it (Infinity: until liftFlowControl) */
  private readonly throttledStaff = new Map<string, number>();
  private readonly invalidStaff = new Set<string>();

  /**
   * The millisecond a callback is signed with: `nowMs`, moved on when already used. DingTalk's clock moves, so it
   * never signs two callbacks alike; the app accepts a signed timestamp with one body only (sign.ts), and a
   * frozen or travelling test clock must not make two clicks or messages look like a replay.
   */
  signingTime(nowMs: number): number {
    let t = nowMs;
    while (this.signedAt.has(t)) t++;
    if (this.signedAt.size >= 10_000) this.signedAt.clear();
    this.signedAt.add(t);
    return t;
  }

  constructor(private readonly opts: LocalDingtalkServerOptions = {}) {
    this.creds = opts.creds ?? { ...DEMO_CREDENTIALS };
    this.now = opts.now ?? Date.now;
    this.quotaLeft = opts.quotaLeft;
    this.gateway = new LocalStreamGateway(this.creds.appKey, this.now, {
      ticketTtlMs: opts.ticketTtlMs ?? 90_000,
      disconnectCloseMs: opts.disconnectCloseMs ?? 10_000,
    });
  }

  static async start(opts: LocalDingtalkServerOptions = {}): Promise<LocalDingtalkServer> {
    const s = new LocalDingtalkServer(opts);
    await s.listen();
    return s;
  }

  async listen(port = 0): Promise<void> {
    const server = http.createServer((req, res) => void this.serve(req, res));
    server.on('upgrade', (req, socket, head) => this.gateway.upgrade(req, socket, head));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    this.gateway.close();
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  // ---- controls ----

  /** DingTalk may invalidate tokens early: every token issued so far now answers InvalidAuthentication */
  expireTokens(): void {
    for (const t of this.tokens.keys()) this.tokens.set(t, 0);
  }

  /** the next `times` calls (to `path`, or any counted call) answer this fault instead */
  failNext(times: number, fault: Fault, path?: string): void {
    this.faults.push({ fault, left: times, path });
  }

  /**
   * A slow DingTalk: the next request to `path` (e.g. /robot/sendBySession) is read, then held unanswered until
   * `release()`; `arrived` resolves once it is held (tests wait on it, never on time).
   */
  holdNext(path: string): { arrived: Promise<void>; release: () => void } {
    let arrived!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((r) => (arrived = r));
    const gate = new Promise<void>((r) => (release = r));
    this.holds.push({ path, arrived, gate });
    return { arrived: reached, release };
  }

  /**
   * DingTalk flow-controls these staff ids (推送频繁，被限流): the next `times` batchSends naming each (default: all,
   * until liftFlowControl) answer 200 with it in flowControlledStaffIdList and deliver nothing to it; the others of
   * the same call get the message. A card delivered to it (createAndDeliver, deliver) answers `success: false` in
   * its deliverResults the same number of times, and the card does not reach it.
   */
  flowControl(userIds: string[], times = Number.POSITIVE_INFINITY): void {
    for (const u of userIds) this.throttledStaff.set(u, times);
  }

  /** the throttle lifts for these staff ids (default: all) */
  liftFlowControl(userIds?: string[]): void {
    if (!userIds) this.throttledStaff.clear();
    for (const u of userIds ?? []) this.throttledStaff.delete(u);
  }

  /**
   * staff ids the organisation does not have: batchSend answers them in invalidStaffIdList, a card's delivery with
   * `success: false`; nothing reaches them
   */
  invalidateStaff(userIds: string[]): void {
    for (const u of userIds) this.invalidStaff.add(u);
  }

  /** the organisation has `n` calls left this month (undefined: no limit); beyond, ApiCountLimitForOrg */
  setQuotaLeft(n: number | undefined): void {
    this.quotaLeft = n;
  }

  /** calls counted against the month so far */
  callsCounted(): number {
    return this.counted;
  }

  /** a conversation's sessionWebhook, as DingTalk puts it in a robot message */
  openSession(to: RecordedTarget, ttlMs = this.opts.sessionTtlMs ?? 90 * 60_000): { url: string; expiresAt: number } {
    const session = randomBytes(16).toString('hex');
    const expiresAt = this.now() + ttlMs;
    this.sessions.set(session, { to, expiresAt });
    return { url: `${this.url}${SESSION_PATH}?session=${session}`, expiresAt };
  }

  /** a group chat the app robot is in (a real organisation's admin adds the robot once) */
  putGroup(chatId: string, name: string, userIds: string[]): void {
    this.groups.set(chatId, { name, userIds: [...userIds] });
  }

  group(chatId: string): { name: string; userIds: string[] } | undefined {
    return this.groups.get(chatId);
  }

  /** a group custom robot (自定义机器人) with 加签: its webhook URL and secret */
  addGroupRobot(chatId: string): { url: string; secret: string } {
    const token = randomBytes(24).toString('hex');
    const secret = `SEC${randomBytes(24).toString('hex')}`;
    this.robots.set(token, { chatId, secret, hits: [], blockedUntil: 0 });
    return { url: `${this.url}${ROBOT_PATH}?access_token=${token}`, secret };
  }

  /** every media the platform holds is gone, as after its keeping time (WeCom: 3 days); media/get answers 40007 */
  forgetMedia(): void {
    this.mediaStore.clear();
  }

  /** stores a user's photo; returns the downloadCode a picture message carries */
  putMedia(bytes: Buffer, contentType = 'image/png', filename = 'photo.png'): string {
    const id = `dc_${randomBytes(18).toString('base64url')}`;
    this.mediaStore.set(id, { id, bytes, contentType, filename });
    return id;
  }

  /**
   * A user clicks a button of a card (DINGTALK.md §5.4): a signed POST to the route registered for the card's
   * callbackRouteKey (or `fallbackUrl` when none was registered), or a CALLBACK frame on the Stream card topic.
   * The answer's cardData, if any, is applied as DingTalk does. `badSignature` signs with a wrong secret.
   */
  async click(
    userId: string,
    outTrackId: string,
    action: string,
    o: { fallbackUrl?: string; badSignature?: boolean } = {},
  ): Promise<ClickResult> {
    const card = this.cardStore.get(outTrackId);
    if (!card) throw new Error(`no card ${outTrackId}`);
    const body = {
      type: 'actionCallback',
      outTrackId,
      corpId: this.creds.corpId,
      userId,
      userIdType: 1,
      spaceType: card.chatIds.length && !card.userIds.includes(userId) ? 'IM_GROUP' : 'IM_ROBOT',
      spaceId: card.chatIds.length && !card.userIds.includes(userId) ? card.chatIds[0] : userId,
      content: JSON.stringify({ cardPrivateData: { actionIds: [action], params: { action } } }),
    };
    const deadline = this.opts.clickDeadlineMs ?? 2_000;
    let result: ClickResult;
    if (card.callbackType === 'STREAM') {
      const { ack } = await this.gateway.push('/v1.0/card/instances/callback', body, { ackWithinMs: deadline });
      result = { status: ack ? 200 : 0, answer: obj(ack?.data).response ?? null };
    } else {
      const route = card.callbackRouteKey ? this.routes.get(card.callbackRouteKey) : undefined;
      const url = route?.callbackUrl ?? o.fallbackUrl;
      if (!url) throw new Error(`no callback registered for route ${card.callbackRouteKey}`);
      const secret = o.badSignature ? 'not-the-api-secret' : (route?.apiSecret ?? this.creds.cardApiSecret);
      const ts = String(this.signingTime((this.opts.callbackNow ?? this.now)()));
      try {
        const res = await fetch(url, {
          method: 'POST',
          body: JSON.stringify(body),
          headers: {
            'content-type': 'application/json',
            'x-ddpaas-signature-timestamp': ts,
            'x-ddpaas-signature': cardSignature(secret, ts),
          },
          signal: AbortSignal.timeout(deadline),
        });
        const text = await res.text();
        let answer: unknown = text;
        try {
          answer = text ? JSON.parse(text) : null;
        } catch {}
        result = { status: res.status, answer };
      } catch {
        result = { status: 0, answer: null };
      }
    }
    this.applyClickAnswer(outTrackId, result);
    return result;
  }

  /**
   * The app's answer to a card click, applied as DingTalk does: its cardData is the card's new shared data (every
   * copy). Called by click() above, and by a driver that posted the signed click itself.
   */
  applyClickAnswer(outTrackId: string, result: ClickResult): void {
    const card = this.cardStore.get(outTrackId);
    const cardData = obj(obj(result.answer).cardData).cardParamMap;
    if (card && result.status === 200 && cardData && typeof cardData === 'object') {
      const params = checkParamMap(cardData);
      if (!isRefusal(params) && Object.keys(params).length) this.applyUpdate(card, params, 'callback');
    }
  }

  // ---- typed reads ----

  /** the sequence number of the latest record (messages, card updates, requests) */
  lastSeq(): number {
    return this.seq;
  }

  requests(path?: string): RecordedRequest[] {
    return path ? this.log.filter((r) => r.path === path) : [...this.log];
  }

  /** every message a user received (API sends, sessionWebhook replies, cards), in order */
  messagesTo(userId: string): RecordedMessage[] {
    return this.sent.filter((m) => 'userId' in m.to && m.to.userId === userId);
  }

  messagesToChat(chatId: string): RecordedMessage[] {
    return this.sent.filter((m) => 'chatId' in m.to && m.to.chatId === chatId);
  }

  allMessages(): RecordedMessage[] {
    return [...this.sent];
  }

  card(outTrackId: string): RecordedCard | undefined {
    return this.cardStore.get(outTrackId);
  }

  cards(): RecordedCard[] {
    return [...this.cardStore.values()];
  }

  media(id: string): StoredMedia | undefined {
    return this.mediaStore.get(id);
  }

  route(routeKey: string): { callbackUrl: string; apiSecret: string } | undefined {
    return this.routes.get(routeKey);
  }

  // ---- HTTP ----

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const held = this.holds.findIndex((h) => h.path === url.pathname);
    if (held >= 0) {
      const [h] = this.holds.splice(held, 1);
      h?.arrived();
      await h?.gate;
    }
    let body: unknown = null;
    let answer: Answer;
    try {
      if (req.method === 'GET' && url.pathname.startsWith(MEDIA_PREFIX)) {
        const m = this.mediaStore.get(url.pathname.slice(MEDIA_PREFIX.length));
        answer = m ? new Answer(200, undefined, { data: m.bytes, type: m.contentType }) : json({ errcode: 404 }, 404);
      } else if (url.pathname === OAPI_UPLOAD) {
        const form = await new Request(url, {
          method: 'POST',
          headers: req.headers as Record<string, string>,
          body: raw,
        })
          .formData()
          .catch(() => null);
        const media = form?.get('media');
        body = {
          type: url.searchParams.get('type') ?? form?.get('type'),
          media: media instanceof Blob ? { size: media.size, type: media.type } : null,
        };
        answer = await this.oapiRoute(url, form);
      } else {
        body = raw.length ? JSON.parse(raw.toString('utf8')) : {};
        answer = this.route2(req.method ?? 'GET', url, obj(body), req.headers);
      }
    } catch (e) {
      answer = json({ code: 'invalidParameter', message: `bad request: ${(e as Error).message.slice(0, 80)}` }, 400);
    }
    this.log.push({
      seq: ++this.seq,
      at: new Date(this.now()).toISOString(),
      method: req.method ?? '',
      path: url.pathname,
      body,
      status: answer.status,
      answer: answer.json,
    });
    if (answer.bytes) {
      res.writeHead(answer.status, { 'content-type': answer.bytes.type, 'content-length': answer.bytes.data.length });
      res.end(answer.bytes.data);
      return;
    }
    const text = JSON.stringify(answer.json ?? {});
    res.writeHead(answer.status, {
      'content-type': 'application/json;charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  /** a fault or the quota, for a call that counts against the month; null = proceed */
  private gate(path: string, oapi: boolean): Answer | null {
    const f = this.faults.find((x) => x.left > 0 && (!x.path || x.path === path));
    if (f) {
      f.left--;
      if ('errcode' in f.fault) return json({ errcode: f.fault.errcode, errmsg: f.fault.errmsg ?? 'fault' });
      return json({ code: f.fault.code, message: f.fault.message ?? 'fault', requestid: randomUUID() }, f.fault.status);
    }
    if (EXEMPT.has(path)) return null;
    this.counted++;
    if (this.quotaLeft !== undefined) {
      if (this.quotaLeft <= 0)
        return oapi
          ? json({ errcode: 90020, errmsg: '企业当月调用次数已达上限' })
          : json(
              {
                code: 'Forbidden.AccessDenied.ApiCountLimitForOrg',
                message: '企业当月调用次数已达上限',
                requestid: randomUUID(),
              },
              403,
            );
      this.quotaLeft--;
    }
    return null;
  }

  private tokenValid(token: string | null | undefined): 'missing' | 'invalid' | 'ok' {
    if (!token) return 'missing';
    const exp = this.tokens.get(token);
    return exp !== undefined && exp > this.now() ? 'ok' : 'invalid';
  }

  private async oapiRoute(url: URL, form: FormData | null): Promise<Answer> {
    const t = this.tokenValid(url.searchParams.get('access_token'));
    if (t !== 'ok') return json({ errcode: 88, sub_code: '40014', errmsg: '不合法的access_token' });
    const gated = this.gate(OAPI_UPLOAD, true);
    if (gated) return gated;
    const media = form?.get('media');
    if (!(media instanceof Blob)) return json({ errcode: 40004, errmsg: '缺少 media 文件 (local choice)' });
    const type = url.searchParams.get('type') ?? form?.get('type');
    if (type !== 'image' && type !== 'file') return json({ errcode: 40004, errmsg: 'type 不合法 (local choice)' });
    // the old API's limits: an image 20 MB... a file 20 MB (local choice for both: the one DingTalk states for files)
    if (media.size > MEDIA_MAX_BYTES) return json({ errcode: 40006, errmsg: '文件大小不合法 (local choice)' });
    if (media.size === 0) return json({ errcode: 40006, errmsg: '文件为空 (local choice)' });
    const id = `@lADP${randomBytes(16).toString('base64url')}`;
    this.mediaStore.set(id, {
      id,
      bytes: Buffer.from(await media.arrayBuffer()),
      contentType: media.type || (type === 'image' ? 'image/png' : 'application/octet-stream'),
      filename: (media as File).name ?? 'media',
    });
    return json({ errcode: 0, errmsg: 'ok', media_id: id, type, created_at: this.now() });
  }

  private route2(method: string, url: URL, body: Record<string, unknown>, headers: http.IncomingHttpHeaders): Answer {
    const path = url.pathname;
    if (method === 'POST' && path === V1.token) {
      if (body.appKey !== this.creds.appKey || body.appSecret !== this.creds.appSecret)
        return json(
          { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret', requestid: randomUUID() },
          400,
        );
      const token = `dt_${randomBytes(16).toString('hex')}`;
      const ttl = this.opts.tokenTtlS ?? 7200;
      this.tokens.set(token, this.now() + ttl * 1000);
      return json({ accessToken: token, expireIn: ttl });
    }
    if (method === 'POST' && path === V1.gateway) {
      if (body.clientId !== this.creds.appKey || body.clientSecret !== this.creds.appSecret)
        return json(
          { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret', requestid: randomUUID() },
          400,
        );
      const subs = Array.isArray(body.subscriptions) ? (body.subscriptions as Subscription[]) : [];
      return json({ endpoint: `${this.url.replace(/^http/, 'ws')}/connect`, ticket: this.gateway.issueTicket(subs) });
    }
    if (method === 'POST' && path === SESSION_PATH) return this.session(url, body);
    if (method === 'POST' && path === ROBOT_PATH) return this.robotSend(url, body);

    if (!path.startsWith('/v1.0/')) return json({ code: 'NotFound', message: `no ${path}` }, 404);
    const tokenHeader = headers['x-acs-dingtalk-access-token'];
    const t = this.tokenValid(typeof tokenHeader === 'string' ? tokenHeader : null);
    if (t === 'missing')
      return json(
        {
          code: 'AuthenticationFailed.MissingParameter',
          message: '缺少 x-acs-dingtalk-access-token',
          requestid: randomUUID(),
        },
        400,
      );
    if (t === 'invalid')
      return json({ code: 'InvalidAuthentication', message: '不合法的access_token', requestid: randomUUID() }, 400);
    const gated = this.gate(path, false);
    if (gated) return gated;

    if (method === 'POST' && path === V1.batchSend) {
      const users = checkUserIds(body.userIds);
      if (isRefusal(users)) return refuse(users);
      const msg = checkRobotMsg(body, this.creds.robotCode, (id) => this.mediaStore.has(id));
      if (isRefusal(msg)) return refuse(msg);
      const invalidStaffIdList: string[] = [];
      const flowControlledStaffIdList: string[] = [];
      for (const userId of users) {
        const throttled = this.throttledStaff.get(userId) ?? 0;
        if (this.invalidStaff.has(userId)) invalidStaffIdList.push(userId);
        else if (throttled > 0) {
          this.throttledStaff.set(userId, throttled - 1);
          flowControlledStaffIdList.push(userId);
        } else this.record({ api: 'batchSend', to: { userId }, msgKey: String(body.msgKey), param: msg.param, body });
      }
      return json({
        processQueryKey: randomUUID(),
        invalidStaffIdList,
        flowControlledStaffIdList,
        filteredStaffIdList: [],
      });
    }
    if (method === 'POST' && path === V1.groupSend) {
      if (typeof body.openConversationId !== 'string' || !body.openConversationId)
        return refuse({
          status: 400,
          code: 'invalidParameter.openConversationId.invalid',
          message: 'openConversationId 不能为空 (local choice)',
        });
      const msg = checkRobotMsg(body, this.creds.robotCode, (id) => this.mediaStore.has(id));
      if (isRefusal(msg)) return refuse(msg);
      this.record({
        api: 'groupSend',
        to: { chatId: body.openConversationId },
        msgKey: String(body.msgKey),
        param: msg.param,
        body,
      });
      return json({ processQueryKey: randomUUID() });
    }
    if (method === 'POST' && path === V1.download) {
      const m = typeof body.downloadCode === 'string' ? this.mediaStore.get(body.downloadCode) : undefined;
      if (body.robotCode !== this.creds.robotCode || !m)
        return refuse({
          status: 400,
          code: 'invalidParameter.downloadCode.invalid',
          message: 'downloadCode 无效 (local choice)',
        });
      return json({ downloadUrl: `${this.url}${MEDIA_PREFIX}${m.id}` });
    }
    if (method === 'POST' && path === V1.register) {
      if (typeof body.callbackRouteKey !== 'string' || typeof body.callbackUrl !== 'string')
        return refuse({
          status: 400,
          code: 'invalidParameter',
          message: 'callbackRouteKey, callbackUrl 必填 (local choice)',
        });
      const existing = this.routes.get(body.callbackRouteKey);
      if (!existing || body.forceUpdate === true)
        this.routes.set(body.callbackRouteKey, {
          callbackUrl: body.callbackUrl,
          apiSecret: typeof body.apiSecret === 'string' ? body.apiSecret : '',
        });
      return json({ success: true, result: this.routes.get(body.callbackRouteKey) });
    }
    if (method === 'POST' && path === V1.deliver) return this.deliver(body);
    if (method === 'POST' && path === V1.deliverAgain) return this.deliverAgain(body);
    if (method === 'PUT' && path === V1.cardUpdate) {
      const card = typeof body.outTrackId === 'string' ? this.cardStore.get(body.outTrackId) : undefined;
      if (!card)
        return refuse({ status: 400, code: 'param.outTrackId.notExist', message: '卡片不存在 (local choice)' });
      const params = checkParamMap(obj(body.cardData).cardParamMap);
      if (isRefusal(params)) return refuse(params);
      const byKey = obj(body.cardUpdateOptions).updateCardDataByKey === true;
      this.applyUpdate(card, params, 'api', !byKey);
      return json({ success: true, result: true });
    }
    return json({ code: 'NotFound', message: `no ${method} ${path}` }, 404);
  }

  private session(url: URL, body: Record<string, unknown>): Answer {
    const s = this.sessions.get(url.searchParams.get('session') ?? '');
    // local choice: DingTalk documents no errcode for an unknown or expired session
    if (!s) return json({ errcode: 300001, errmsg: 'session 不存在' });
    if (s.expiresAt <= this.now()) return json({ errcode: 300002, errmsg: 'session 已过期' });
    const type = body.msgtype;
    const content = type === 'text' ? obj(body.text) : type === 'markdown' ? obj(body.markdown) : null;
    if (
      !content ||
      (type === 'text' && typeof content.content !== 'string') ||
      (type === 'markdown' && (typeof content.title !== 'string' || typeof content.text !== 'string'))
    )
      return json({ errcode: 40035, errmsg: '不合法的参数' });
    this.record({ api: 'sessionWebhook', to: s.to, msgKey: String(type), param: content, body });
    return json({ errcode: 0, errmsg: 'ok' });
  }

  /** DINGTALK.md §6: sign and 1 h window else 310000; 20 a minute else 130101 and 10 minutes blocked */
  private robotSend(url: URL, body: Record<string, unknown>): Answer {
    const r = this.robots.get(url.searchParams.get('access_token') ?? '');
    if (!r) return json({ errcode: 300005, errmsg: 'token is not exist' });
    const ts = url.searchParams.get('timestamp') ?? '';
    const sign = url.searchParams.get('sign') ?? '';
    const now = this.now();
    if (!/^\d+$/.test(ts) || Math.abs(now - Number(ts)) > 3_600_000 || robotSign(r.secret, ts) !== sign)
      return json({ errcode: 310000, errmsg: 'sign not match' });
    if (r.blockedUntil > now) return json({ errcode: 130101, errmsg: 'send too fast' });
    r.hits = r.hits.filter((t) => t > now - 60_000);
    if (r.hits.length >= 20) {
      r.blockedUntil = now + 600_000;
      return json({ errcode: 130101, errmsg: 'send too fast' });
    }
    const type = body.msgtype;
    const content = type === 'text' ? obj(body.text) : type === 'markdown' ? obj(body.markdown) : null;
    if (!content) return json({ errcode: 40035, errmsg: '不合法的参数' });
    r.hits.push(now);
    this.record({ api: 'robotWebhook', to: { chatId: r.chatId }, msgKey: String(type), param: content, body });
    return json({ errcode: 0, errmsg: 'ok' });
  }

  private deliver(body: Record<string, unknown>): Answer {
    const bad = (message: string) =>
      refuse({ status: 400, code: 'invalidParameter', message: `${message} (local choice)` });
    if (typeof body.cardTemplateId !== 'string' || !body.cardTemplateId) return bad('cardTemplateId 必填');
    if (typeof body.outTrackId !== 'string' || !body.outTrackId) return bad('outTrackId 必填');
    if (this.cardStore.has(body.outTrackId)) return bad('outTrackId 已存在');
    const callbackType = body.callbackType ?? 'STREAM';
    if (callbackType !== 'STREAM' && callbackType !== 'HTTP') return bad('callbackType 须为 STREAM 或 HTTP');
    if (callbackType === 'HTTP' && typeof body.callbackRouteKey !== 'string')
      return bad('HTTP 回调须给 callbackRouteKey');
    const spaces = checkSpaces(body.openSpaceId);
    if (isRefusal(spaces)) return refuse(spaces);
    const params = checkParamMap(obj(body.cardData).cardParamMap);
    if (isRefusal(params)) return refuse(params);
    const wrongRobot = this.wrongRobotCode(spaces, body);
    if (wrongRobot) return bad(wrongRobot);
    const seq = this.seq + 1;
    const card: RecordedCard = {
      outTrackId: body.outTrackId,
      templateId: body.cardTemplateId,
      callbackType,
      ...(typeof body.callbackRouteKey === 'string' ? { callbackRouteKey: body.callbackRouteKey } : {}),
      // filled by deliverTo, with the spaces the card reached
      userIds: [],
      chatIds: [],
      seq,
      lastSeq: seq,
      params: { ...params },
      updates: [],
    };
    this.cardStore.set(card.outTrackId, card);
    return json({
      success: true,
      result: { outTrackId: card.outTrackId, deliverResults: this.deliverTo(card, spaces, body) },
    });
  }

  /**
   * /v1.0/card/instances/deliver (card_1_0 DeliverCardRequest: outTrackId, openSpaceId, the spaces' deliver
   * models; answer `{success, result:[{spaceType, spaceId, success, errorMsg, carrierId}]}`): a card instance that
   * exists, put in more spaces — with the data it has now
   */
  private deliverAgain(body: Record<string, unknown>): Answer {
    const card = typeof body.outTrackId === 'string' ? this.cardStore.get(body.outTrackId) : undefined;
    if (!card) return refuse({ status: 400, code: 'param.outTrackId.notExist', message: '卡片不存在 (local choice)' });
    const spaces = checkSpaces(body.openSpaceId);
    if (isRefusal(spaces)) return refuse(spaces);
    const wrongRobot = this.wrongRobotCode(spaces, body);
    if (wrongRobot) return refuse({ status: 400, code: 'invalidParameter', message: `${wrongRobot} (local choice)` });
    return json({ success: true, result: this.deliverTo(card, spaces, body) });
  }

  /** the deliver model naming another robot than ours, for the spaces asked for; null when they are right */
  private wrongRobotCode(spaces: Space[], body: Record<string, unknown>): string | null {
    const ours = (model: unknown) => obj(model).robotCode === this.creds.robotCode;
    if (spaces.some((s) => s.type === 'IM_ROBOT') && !ours(body.imRobotOpenDeliverModel))
      return 'imRobotOpenDeliverModel.robotCode 不合法';
    if (spaces.some((s) => s.type === 'IM_GROUP') && !ours(body.imGroupOpenDeliverModel))
      return 'imGroupOpenDeliverModel.robotCode 不合法';
    return null;
  }

  /**
   * Each space's outcome, as deliverResults says it: a flow-controlled staff id (flowControl) or one the organisation
   * does not have (invalidateStaff) gets `success: false` with the reason and no card; the others get the card once
   */
  private deliverTo(card: RecordedCard, spaces: Space[], body: Record<string, unknown>) {
    return spaces.map((s) => {
      const spaceId = s.type === 'IM_GROUP' ? s.chatId : s.userId;
      const failed = (errorMsg: string) => ({ spaceType: s.type, spaceId, success: false, errorMsg });
      if (s.type === 'IM_ROBOT') {
        if (this.invalidStaff.has(s.userId)) return failed(`用户 ${s.userId} 不存在 (local choice)`);
        const throttled = this.throttledStaff.get(s.userId) ?? 0;
        if (throttled > 0) {
          this.throttledStaff.set(s.userId, throttled - 1);
          return failed(`用户 ${s.userId} 推送频繁，被限流 (local choice)`);
        }
      }
      // each space gets the card once, however often it is delivered there
      const [list, to] =
        s.type === 'IM_ROBOT' ? [card.userIds, { userId: s.userId }] : [card.chatIds, { chatId: s.chatId }];
      if (!list.includes(spaceId)) {
        list.push(spaceId);
        this.record({ api: 'card', to, msgKey: 'card', param: { outTrackId: card.outTrackId }, body });
      }
      return { spaceType: s.type, spaceId, success: true, carrierId: randomUUID() };
    });
  }

  private applyUpdate(card: RecordedCard, params: Record<string, string>, via: 'api' | 'callback', replace = false) {
    card.params = replace ? { ...params } : { ...card.params, ...params };
    card.lastSeq = ++this.seq;
    card.updates.push({ seq: card.lastSeq, at: new Date(this.now()).toISOString(), via, params });
  }

  private record(m: Omit<RecordedMessage, 'seq' | 'at'>): RecordedMessage {
    const r: RecordedMessage = { ...m, seq: ++this.seq, at: new Date(this.now()).toISOString() };
    this.sent.push(r);
    return r;
  }
}
