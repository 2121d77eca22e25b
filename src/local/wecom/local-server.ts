/**
 * A local WeCom API server: a real HTTP server on 127.0.0.1 that speaks the endpoints huzhu uses (WECOM.md §4),
 * checks what it receives as WeCom does (token, agentid, required fields, lengths, task_id, single-use
 * response_code, robot rate, the per-member rate of message/send: the excess dropped silently), and records everything for assertions and for the emulator. Faults can be injected
 * (the next N calls answer -1, 45009, 42001 or HTTP 500). Used by `npm start` without credentials, the tests and
 * the emulator; it never sends callbacks (those are built by the emulator or the test client).
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { APP_TEXT_MAX_BYTES, ROBOT_MARKDOWN_MAX_BYTES } from '../../channels/wecom/render.js';
import { DEMO_CREDENTIALS, type WecomCredentials } from './demo.js';
import { checkContent, checkRecipients, checkTemplateCard, INTERACTIVE, type Rejection } from './local-validate.js';
import { PassiveCardShapeError, templateCardFromXml } from './passive-card-schema.js';

export interface LocalWecomServerOptions {
  creds?: WecomCredentials;
  /** expires_in of a new token, seconds */
  tokenTtlS?: number;
  /** robot webhook keys accepted; unset = any key */
  robotKeys?: string[];
  /** messages a robot accepts per minute (WeCom: 20) */
  robotPerMinute?: number;
  /**
   * message/send to one member: WeCom delivers at most 30 a minute and 1000 an hour and drops the excess silently,
   * errcode 0 (doc 90454, WECOM.md §6); so does this server (what it dropped: `droppedFor`)
   */
  memberPerMinute?: number;
  memberPerHour?: number;
  now?: () => number;
}

export interface RecordedRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  /** parsed JSON body (multipart: the part's name, filename, type and size) */
  body: unknown;
  status: number;
  answer: unknown;
}

export type RecordedTarget = { userIds: string[] } | { chatId: string } | { robotKey: string };

export interface RecordedMessage {
  seq: number;
  at: string;
  /** 'passive': a reply the app put in its callback answer, recorded by the emulator so one sequence orders all */
  api: 'message/send' | 'appchat/send' | 'webhook/send' | 'passive';
  to: RecordedTarget;
  msgtype: string;
  /** the request body as received */
  body: Record<string, unknown>;
  msgid: string;
  responseCode?: string;
}

export interface RecordedCard {
  taskId: string;
  userIds: string[];
  /** seq of the send, and of the latest update */
  seq: number;
  lastSeq: number;
  /** the template_card in its latest state (task_id kept) */
  current: Record<string, unknown>;
  sent: Record<string, unknown>;
  /** per user, the card as that user's client shows it, once an update named them (userids, or a passive answer) */
  views: Record<string, Record<string, unknown>>;
  /**
   * every change: through update_template_card (`to` its userids, or 'all' for atall) or a passive answer to a
   * click (the clicker only); `at` when it arrived
   */
  updates: {
    seq: number;
    at: string;
    via: 'api' | 'passive';
    to: string[] | 'all';
    responseCode: string;
    body: Record<string, unknown>;
  }[];
}

export interface StoredMedia {
  id: string;
  type: string;
  bytes: Buffer;
  contentType: string;
  filename: string;
}

/** an errcode answer, an HTTP status, or no answer for `hangMs` (then 504: the caller's timeout has struck) */
export type Fault = { errcode: number } | { httpStatus: number } | { hangMs: number };

interface PendingFault {
  fault: Fault;
  left: number;
  path?: string;
}

const PATHS = {
  gettoken: '/cgi-bin/gettoken',
  send: '/cgi-bin/message/send',
  update: '/cgi-bin/message/update_template_card',
  upload: '/cgi-bin/media/upload',
  get: '/cgi-bin/media/get',
  chatCreate: '/cgi-bin/appchat/create',
  chatSend: '/cgi-bin/appchat/send',
  robot: '/cgi-bin/webhook/send',
} as const;

const MEDIA_PREFIX = '/local/media/';
const ok = (extra: Record<string, unknown> = {}) => ({ errcode: 0, errmsg: 'ok', ...extra });
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const id = (n: number) => randomBytes(n).toString('base64url');

/** before a change for some users only: everyone else keeps the card as they see it now */
function keepViews(card: RecordedCard, changed: string[]): void {
  for (const u of card.userIds) if (!changed.includes(u)) card.views[u] ??= card.current;
}

class Answer {
  /** an injected timeout: the answer is held this long */
  hangMs = 0;
  constructor(
    readonly status: number,
    readonly json?: unknown,
    readonly bytes?: { data: Buffer; type: string; filename?: string },
  ) {}
}
const json = (v: unknown) => new Answer(200, v);
const rejection = (r: Rejection) => json(r);

export class LocalWecomServer {
  readonly creds: WecomCredentials;
  url = '';
  private server?: http.Server;
  private seq = 0;
  private readonly now: () => number;
  private readonly tokenTtlS: number;
  private readonly tokens = new Map<string, number>();
  private readonly faults: PendingFault[] = [];
  private readonly log: RecordedRequest[] = [];
  private readonly sent: RecordedMessage[] = [];
  private readonly cards = new Map<string, RecordedCard>();
  /** response_code → task_id, deleted once used */
  private readonly codes = new Map<string, string>();
  private readonly mediaStore = new Map<string, StoredMedia>();
  private readonly chats = new Map<string, { name: string; owner?: string; userlist: string[] }>();
  private readonly robotHits = new Map<string, number[]>();
  /** per member, the times of the messages delivered to them by message/send in the last hour */
  private readonly memberHits = new Map<string, number[]>();
  private readonly dropped: RecordedMessage[] = [];

  constructor(private readonly opts: LocalWecomServerOptions = {}) {
    this.creds = opts.creds ?? { ...DEMO_CREDENTIALS };
    this.now = opts.now ?? Date.now;
    this.tokenTtlS = opts.tokenTtlS ?? 7200;
  }

  static async start(opts: LocalWecomServerOptions = {}): Promise<LocalWecomServer> {
    const s = new LocalWecomServer(opts);
    await s.listen();
    return s;
  }

  async listen(port = 0): Promise<void> {
    const server = http.createServer((req, res) => void this.serve(req, res));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  // ---- controls for tests and the emulator ----

  /** WeCom may invalidate tokens early: every token issued so far now answers 42001 */
  expireTokens(): void {
    for (const t of this.tokens.keys()) this.tokens.set(t, 0);
  }

  /** forgets the faults not yet answered */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** the next `times` calls (to `path`, e.g. '/cgi-bin/message/send', or any) answer this fault instead */
  failNext(times: number, fault: Fault, path?: string): void {
    this.faults.push({ fault, left: times, path });
  }

  /** the ResponseCode WeCom puts in a click's callback: one more update of that card */
  issueClickCode(taskId: string): string {
    const code = `rc_${id(18)}`;
    this.codes.set(code, taskId);
    return code;
  }

  /** stores a file a user sent the app; returns the MediaId of the callback (media/get answers it by name) */
  putFile(bytes: Buffer, filename: string): string {
    const mediaId = `m_${id(24)}`;
    this.mediaStore.set(mediaId, {
      id: mediaId,
      type: 'file',
      bytes,
      contentType: 'application/octet-stream',
      filename,
    });
    return mediaId;
  }

  /** every media the platform holds is gone, as after its keeping time (WeCom: 3 days); media/get answers 40007 */
  forgetMedia(): void {
    this.mediaStore.clear();
  }

  /** stores bytes as WeCom stores a user's photo; returns its media_id and the PicUrl of the callback */
  putMedia(bytes: Buffer, contentType = 'image/png', filename = 'photo.png'): { mediaId: string; picUrl: string } {
    const mediaId = `m_${id(24)}`;
    this.mediaStore.set(mediaId, { id: mediaId, type: 'image', bytes, contentType, filename });
    return { mediaId, picUrl: `${this.url}${MEDIA_PREFIX}${mediaId}` };
  }

  /** a group chat as if created by the app (appchat/create does the same over HTTP) */
  putChat(chatId: string, userlist: string[], name = chatId): void {
    this.chats.set(chatId, { name, userlist });
  }

  /**
   * A passive answer to a click that redraws the clicker's card (MsgType update_template_card): WeCom changes only
   * that user's copy. Recorded by whoever played WeCom's side of the callback (the emulator, the test drivers).
   */
  recordPassiveCard(userId: string, templateCard: Record<string, unknown>): Rejection | null {
    const taskId = typeof templateCard.task_id === 'string' ? templateCard.task_id : '';
    const card = this.cards.get(taskId);
    if (!card?.userIds.includes(userId)) return { errcode: 40058, errmsg: 'no such card for this user' };
    const bad = checkTemplateCard(templateCard, 'update', () => false);
    if (bad) return bad;
    const seq = ++this.seq;
    keepViews(card, [userId]);
    card.current = templateCard;
    card.lastSeq = seq;
    card.views[userId] = templateCard;
    card.updates.push({
      seq,
      at: new Date(this.now()).toISOString(),
      via: 'passive',
      to: [userId],
      responseCode: '',
      body: { template_card: templateCard },
    });
    return null;
  }

  /**
   * The same, from the passive reply's parsed `<TemplateCard>` element: read as WeCom reads it (doc 90241's element
   * names, lists as repeated elements: passive-card-schema.ts); any other shape is refused, not guessed at.
   */
  recordPassiveCardXml(userId: string, templateCardXml: unknown): Rejection | null {
    let card: Record<string, unknown>;
    try {
      card = templateCardFromXml(templateCardXml);
    } catch (e) {
      if (e instanceof PassiveCardShapeError) return { errcode: 40058, errmsg: e.message };
      throw e;
    }
    return this.recordPassiveCard(userId, card);
  }

  /** the card as one user's client shows it */
  cardFor(taskId: string, userId: string): Record<string, unknown> | undefined {
    const card = this.cards.get(taskId);
    if (!card?.userIds.includes(userId)) return undefined;
    return card.views[userId] ?? card.current;
  }

  /** the emulator records the passive replies it decrypted, so they interleave with API sends in one order */
  recordPassive(userId: string, text: string): RecordedMessage {
    const r = this.record({
      api: 'passive',
      to: { userIds: [userId] },
      msgtype: 'text',
      body: { msgtype: 'text', text: { content: text } },
    });
    this.seq++;
    return r;
  }

  // ---- typed reads ----

  /** the sequence number of the latest request or recorded message */
  lastSeq(): number {
    return this.seq;
  }

  requests(path?: string): RecordedRequest[] {
    return path ? this.log.filter((r) => r.path === path) : [...this.log];
  }

  /** messages accepted for a user (message/send), in order */
  messagesTo(userId: string): RecordedMessage[] {
    return this.sent.filter((m) => 'userIds' in m.to && m.to.userIds.includes(userId));
  }

  /** message/send calls WeCom accepted (errcode 0) but did not deliver to this member: over their rate */
  droppedFor(userId: string): RecordedMessage[] {
    return this.dropped.filter((m) => 'userIds' in m.to && m.to.userIds.includes(userId));
  }

  messagesToChat(chatId: string): RecordedMessage[] {
    return this.sent.filter((m) => 'chatId' in m.to && m.to.chatId === chatId);
  }

  robotMessages(key: string): RecordedMessage[] {
    return this.sent.filter((m) => 'robotKey' in m.to && m.to.robotKey === key);
  }

  allMessages(): RecordedMessage[] {
    return [...this.sent];
  }

  /** a card by task_id in its latest state */
  card(taskId: string): RecordedCard | undefined {
    return this.cards.get(taskId);
  }

  media(mediaId: string): StoredMedia | undefined {
    return this.mediaStore.get(mediaId);
  }

  chat(chatId: string) {
    return this.chats.get(chatId);
  }

  // ---- HTTP ----

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const query = Object.fromEntries(url.searchParams);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    let body: unknown;
    let answer: Answer;
    try {
      const parsed = await this.parseBody(req, raw);
      body = parsed.record;
      answer = this.injectedFault(url.pathname) ?? (await this.route(req.method ?? 'GET', url.pathname, query, parsed));
    } catch (e) {
      answer = json({ errcode: 47001, errmsg: `data format error: ${(e as Error).message.slice(0, 80)}` });
    }
    this.log.push({
      seq: ++this.seq,
      at: new Date(this.now()).toISOString(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: { ...query, ...(query.access_token ? { access_token: '[token]' } : {}) },
      body,
      status: answer.status,
      answer: answer.json ?? (answer.bytes ? `[${answer.bytes.data.length} bytes]` : undefined),
    });
    if (answer.hangMs) await new Promise((r) => setTimeout(r, answer.hangMs).unref());
    if (res.destroyed) return;
    if (answer.bytes) {
      res.writeHead(answer.status, {
        'content-type': answer.bytes.type,
        'content-length': answer.bytes.data.length,
        // media/get names the file as WeCom does (Content-Disposition), UTF-8 names percent-encoded
        ...(answer.bytes.filename
          ? {
              'content-disposition': `attachment; filename="${encodeURIComponent(answer.bytes.filename)}"; filename*=UTF-8''${encodeURIComponent(answer.bytes.filename)}`,
            }
          : {}),
      });
      res.end(answer.bytes.data);
      return;
    }
    const text = JSON.stringify(answer.json ?? { errcode: -1, errmsg: 'system error' });
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  private async parseBody(
    req: http.IncomingMessage,
    raw: Buffer,
  ): Promise<{ record: unknown; json?: Record<string, unknown>; form?: FormData }> {
    const type = req.headers['content-type'] ?? '';
    if (raw.length === 0) return { record: undefined };
    if (type.startsWith('multipart/form-data')) {
      const form = await new Request('http://local/', {
        method: 'POST',
        headers: { 'content-type': type },
        body: raw,
      }).formData();
      const record = [...form.entries()].map(([name, v]) =>
        typeof v === 'string' ? { name, value: v } : { name, filename: v.name, type: v.type, size: v.size },
      );
      return { record, form };
    }
    const parsed = JSON.parse(raw.toString('utf8')) as unknown;
    return { record: parsed, json: obj(parsed) };
  }

  private injectedFault(path: string): Answer | null {
    const i = this.faults.findIndex((f) => f.left > 0 && (!f.path || f.path === path));
    const f = this.faults[i];
    if (!f) return null;
    f.left--;
    if (f.left === 0) this.faults.splice(i, 1);
    if ('hangMs' in f.fault) {
      // the request never reached the service behind the gateway: nothing recorded, nothing sent
      const a = new Answer(504, { errcode: -1, errmsg: 'injected timeout' });
      a.hangMs = f.fault.hangMs;
      return a;
    }
    if ('httpStatus' in f.fault)
      return new Answer(f.fault.httpStatus, { errcode: -1, errmsg: 'injected HTTP failure' });
    const errmsg = {
      [-1]: 'system busy',
      45009: 'api freq out of limit',
      45033: 'api concurrent out of limit',
      42001: 'access_token expired',
    }[f.fault.errcode];
    return json({ errcode: f.fault.errcode, errmsg: errmsg ?? 'injected error' });
  }

  private checkToken(query: Record<string, string>): Rejection | null {
    const t = query.access_token;
    if (!t) return { errcode: 41001, errmsg: 'access_token missing' };
    const exp = this.tokens.get(t);
    if (exp === undefined) return { errcode: 40014, errmsg: 'invalid access_token' };
    if (exp <= this.now()) return { errcode: 42001, errmsg: 'access_token expired' };
    return null;
  }

  private checkAgent(body: Record<string, unknown>): Rejection | null {
    if (body.agentid === undefined) return { errcode: 41011, errmsg: 'missing agentid' };
    if (Number(body.agentid) !== this.creds.agentId) return { errcode: 40056, errmsg: 'invalid agentid' };
    return null;
  }

  private async route(
    method: string,
    path: string,
    query: Record<string, string>,
    parsed: { json?: Record<string, unknown>; form?: FormData },
  ): Promise<Answer> {
    if (method === 'GET' && path.startsWith(MEDIA_PREFIX)) {
      const m = this.mediaStore.get(path.slice(MEDIA_PREFIX.length));
      return m
        ? new Answer(200, undefined, { data: m.bytes, type: m.contentType })
        : new Answer(404, { errcode: 40007, errmsg: 'not found' });
    }
    if (path === PATHS.gettoken && method === 'GET') return this.gettoken(query);
    if (path === PATHS.robot && method === 'POST') return this.robot(query, parsed.json ?? {});
    const bad = this.checkToken(query);
    if (bad) return rejection(bad);
    const body = parsed.json ?? {};
    if (path === PATHS.send && method === 'POST') return this.send(body);
    if (path === PATHS.update && method === 'POST') return this.update(body);
    if (path === PATHS.upload && method === 'POST') return await this.upload(query, parsed.form);
    if (path === PATHS.get && method === 'GET') {
      const m = this.mediaStore.get(query.media_id ?? '');
      return m
        ? new Answer(200, undefined, { data: m.bytes, type: m.contentType, filename: m.filename })
        : json({ errcode: 40007, errmsg: 'invalid media_id' });
    }
    if (path === PATHS.chatCreate && method === 'POST') return this.chatCreate(body);
    if (path === PATHS.chatSend && method === 'POST') return this.chatSend(body);
    return new Answer(404, { errcode: 404, errmsg: 'unknown api' });
  }

  private gettoken(query: Record<string, string>): Answer {
    if (query.corpid !== this.creds.corpId) return json({ errcode: 40013, errmsg: 'invalid corpid' });
    if (query.corpsecret !== this.creds.secret) return json({ errcode: 40001, errmsg: 'invalid credential' });
    const now = this.now();
    // WeCom returns the same token while it is valid
    for (const [t, exp] of this.tokens)
      if (exp > now) return json(ok({ access_token: t, expires_in: Math.round((exp - now) / 1000) }));
    const token = id(48);
    this.tokens.set(token, now + this.tokenTtlS * 1000);
    return json(ok({ access_token: token, expires_in: this.tokenTtlS }));
  }

  private checkBody(body: Record<string, unknown>, maxText: number, allowCard: boolean): Rejection | null {
    const msgtype = body.msgtype;
    if (msgtype === 'text' || msgtype === 'markdown') return checkContent(body, msgtype, maxText);
    if (msgtype === 'image') {
      const mediaId = obj(body.image).media_id;
      return typeof mediaId === 'string' && this.mediaStore.has(mediaId)
        ? null
        : { errcode: 40007, errmsg: 'invalid media_id' };
    }
    if (msgtype === 'file') {
      const mediaId = obj(body.file).media_id;
      return typeof mediaId === 'string' && this.mediaStore.get(mediaId)?.type === 'file'
        ? null
        : { errcode: 40007, errmsg: 'invalid media_id' };
    }
    if (msgtype === 'template_card' && allowCard)
      return checkTemplateCard(body.template_card, 'send', (t) => this.cards.has(t));
    return { errcode: 40008, errmsg: 'invalid message type' };
  }

  private record(m: Omit<RecordedMessage, 'seq' | 'at' | 'msgid'>): RecordedMessage {
    const r: RecordedMessage = { ...m, seq: this.seq + 1, at: new Date(this.now()).toISOString(), msgid: id(24) };
    this.sent.push(r);
    return r;
  }

  private send(body: Record<string, unknown>): Answer {
    const bad = this.checkAgent(body) ?? checkRecipients(body) ?? this.checkBody(body, APP_TEXT_MAX_BYTES, true);
    if (bad) return rejection(bad);
    const addressed = String(body.touser ?? '')
      .split('|')
      .filter(Boolean);
    // over a member's rate the message is not delivered to them, and nothing says so (errcode 0)
    const userIds = addressed.filter((u) => this.memberTakes(u));
    const over = addressed.filter((u) => !userIds.includes(u));
    if (over.length)
      this.dropped.push({
        seq: this.seq + 1,
        at: new Date(this.now()).toISOString(),
        api: 'message/send',
        to: { userIds: over },
        msgtype: String(body.msgtype),
        body,
        msgid: '',
      });
    let responseCode: string | undefined;
    if (body.msgtype === 'template_card') {
      const card = obj(body.template_card);
      const taskId = typeof card.task_id === 'string' ? card.task_id : undefined;
      if (INTERACTIVE.has(String(card.card_type)) && taskId) {
        responseCode = `rc_${id(18)}`;
        this.codes.set(responseCode, taskId);
      }
      if (taskId)
        this.cards.set(taskId, {
          taskId,
          userIds,
          seq: this.seq + 1,
          lastSeq: this.seq + 1,
          current: card,
          sent: card,
          views: {},
          updates: [],
        });
    }
    const r = userIds.length
      ? this.record({ api: 'message/send', to: { userIds }, msgtype: String(body.msgtype), body, responseCode })
      : { msgid: id(24) };
    return json(
      ok({
        invaliduser: '',
        invalidparty: '',
        invalidtag: '',
        unlicenseduser: '',
        msgid: r.msgid,
        ...(responseCode ? { response_code: responseCode } : {}),
      }),
    );
  }

  /** counts a message/send to this member if their minute and hour have room (WeCom: 30 and 1000) */
  private memberTakes(userId: string): boolean {
    const now = this.now();
    const hits = (this.memberHits.get(userId) ?? []).filter((t) => t > now - 3_600_000);
    const lastMinute = hits.filter((t) => t > now - 60_000).length;
    const room = lastMinute < (this.opts.memberPerMinute ?? 30) && hits.length < (this.opts.memberPerHour ?? 1000);
    if (room) hits.push(now);
    this.memberHits.set(userId, hits);
    return room;
  }

  private update(body: Record<string, unknown>): Answer {
    const bad = this.checkAgent(body);
    if (bad) return rejection(bad);
    const code = typeof body.response_code === 'string' ? body.response_code : '';
    const taskId = this.codes.get(code);
    const card = taskId ? this.cards.get(taskId) : undefined;
    if (!taskId || !card) return json({ errcode: 40058, errmsg: 'response_code invalid, used or expired' });
    if (body.atall !== 1 && !(Array.isArray(body.userids) && body.userids.length) && !body.partyids && !body.tagids)
      return json({ errcode: 40058, errmsg: 'userids, partyids, tagids or atall required' });
    let next: Record<string, unknown>;
    if (body.template_card !== undefined) {
      const r = checkTemplateCard(body.template_card, 'update', () => false);
      if (r) return rejection(r);
      next = { ...obj(body.template_card), task_id: taskId };
    } else {
      const name = obj(body.button).replace_name;
      if (typeof name !== 'string' || !name)
        return json({ errcode: 40058, errmsg: 'button.replace_name or template_card required' });
      next = { ...card.current, replace_text: name };
    }
    this.codes.delete(code);
    const seq = this.seq + 1;
    card.current = next;
    card.lastSeq = seq;
    const to = body.atall === 1 ? 'all' : Array.isArray(body.userids) ? body.userids.map(String) : [];
    if (to === 'all') card.views = {};
    else {
      keepViews(card, to);
      for (const u of to) card.views[u] = next;
    }
    card.updates.push({ seq, at: new Date(this.now()).toISOString(), via: 'api', to, responseCode: code, body });
    return json(ok({ invaliduser: [] }));
  }

  private async upload(query: Record<string, string>, form?: FormData): Promise<Answer> {
    const type = query.type ?? '';
    if (!['image', 'voice', 'video', 'file'].includes(type))
      return json({ errcode: 40004, errmsg: 'invalid media type' });
    const file = form?.get('media');
    if (!file || typeof file === 'string')
      return json({ errcode: 44001, errmsg: 'empty media data: part "media" missing' });
    const bytes = Buffer.from(await file.arrayBuffer());
    if (bytes.length <= 5) return json({ errcode: 44001, errmsg: 'empty media data' });
    if (type === 'image' && bytes.length > 10 * 1024 * 1024)
      return json({ errcode: 40009, errmsg: 'invalid image size' });
    if (type === 'file' && bytes.length > 20 * 1024 * 1024)
      return json({ errcode: 40006, errmsg: 'invalid file size' });
    const mediaId = `m_${id(24)}`;
    this.mediaStore.set(mediaId, {
      id: mediaId,
      type,
      bytes,
      contentType: file.type || 'application/octet-stream',
      filename: file.name,
    });
    return json(ok({ type, media_id: mediaId, created_at: String(Math.floor(this.now() / 1000)) }));
  }

  private chatCreate(body: Record<string, unknown>): Answer {
    const name = typeof body.name === 'string' ? body.name : '';
    const userlist = Array.isArray(body.userlist) ? body.userlist.map(String) : [];
    if ([...name].length > 50) return json({ errcode: 40058, errmsg: 'name exceed max length 50' });
    if (userlist.length < 2 || userlist.length > 2000)
      return json({ errcode: 86006, errmsg: 'chat member count invalid' });
    const chatId = typeof body.chatid === 'string' ? body.chatid : id(12).replace(/[^0-9a-zA-Z]/g, 'x');
    if (!/^[0-9a-zA-Z]{1,32}$/.test(chatId)) return json({ errcode: 86001, errmsg: 'invalid chatid' });
    if (this.chats.has(chatId)) return json({ errcode: 86215, errmsg: 'chatid already exists' });
    this.chats.set(chatId, { name, owner: typeof body.owner === 'string' ? body.owner : undefined, userlist });
    return json(ok({ chatid: chatId }));
  }

  private chatSend(body: Record<string, unknown>): Answer {
    const chatId = typeof body.chatid === 'string' ? body.chatid : '';
    if (!this.chats.has(chatId)) return json({ errcode: 86003, errmsg: 'chat not found' });
    const bad = this.checkBody(body, APP_TEXT_MAX_BYTES, false);
    if (bad) return rejection(bad);
    const r = this.record({ api: 'appchat/send', to: { chatId }, msgtype: String(body.msgtype), body });
    return json(ok({ msgid: r.msgid }));
  }

  private robot(query: Record<string, string>, body: Record<string, unknown>): Answer {
    const key = query.key ?? '';
    if (!key || (this.opts.robotKeys && !this.opts.robotKeys.includes(key)))
      return json({ errcode: 93000, errmsg: 'invalid webhook url' });
    const now = this.now();
    const hits = (this.robotHits.get(key) ?? []).filter((t) => t > now - 60_000);
    if (hits.length >= (this.opts.robotPerMinute ?? 20))
      return json({ errcode: 45009, errmsg: 'api freq out of limit' });
    let bad: Rejection | null = null;
    if (body.msgtype === 'text') bad = checkContent(body, 'text', 2048);
    else if (body.msgtype === 'markdown') bad = checkContent(body, 'markdown', ROBOT_MARKDOWN_MAX_BYTES);
    else if (body.msgtype === 'image') {
      const img = obj(body.image);
      const data = typeof img.base64 === 'string' ? Buffer.from(img.base64, 'base64') : Buffer.alloc(0);
      if (data.length === 0 || data.length > 2 * 1024 * 1024) bad = { errcode: 40009, errmsg: 'invalid image size' };
      else if (createHash('md5').update(data).digest('hex') !== img.md5)
        bad = { errcode: 40058, errmsg: 'image md5 mismatch' };
    } else bad = { errcode: 40008, errmsg: 'invalid message type' };
    if (bad) return rejection(bad);
    hits.push(now);
    this.robotHits.set(key, hits);
    const r = this.record({ api: 'webhook/send', to: { robotKey: key }, msgtype: String(body.msgtype), body });
    return json(ok({ msgid: r.msgid }));
  }
}
