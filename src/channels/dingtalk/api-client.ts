/**
 * The DingTalk server APIs (DINGTALK.md §4): the v1.0 API at DINGTALK_API_BASE (token in the header
 * x-acs-dingtalk-access-token) and the old oapi at DINGTALK_OAPI_BASE (token in the query ?access_token=; media
 * upload). One access token per app, cached in the shared store with a margin and fetched once at a time across
 * instances (POST /v1.0/oauth2/accessToken, SDK oauth2_1_0 GetAccessToken); refetched once on
 * InvalidAuthentication. Every call but the token's is counted against the organisation's month, and the quota
 * answer marks the month exhausted. Network errors and 5xx are retried with backoff; throttling is a typed error.
 */
import { z } from 'zod';
import type { Log } from '../../core/log.js';
import { FileTooLargeError } from '../../core/messages.js';
import type { KeyValueStore } from '../../state/store.js';
import type { DingtalkCredentials } from './credentials.js';
import { DingtalkApiError, DingtalkUnavailable, QuotaExhausted, RateLimited } from './errors.js';
import { classifyNew, classifyOld, type ErrorKind } from './errors-map.js';
import type { QuotaMeter } from './quota.js';

export const DEFAULT_API_BASE = 'https://api.dingtalk.com';
export const DEFAULT_OAPI_BASE = 'https://oapi.dingtalk.com';
export const TOKEN_PATH = '/v1.0/oauth2/accessToken';

export interface DingtalkApiOptions {
  apiBase: string;
  oapiBase: string;
  creds: DingtalkCredentials;
  store: KeyValueStore;
  log: Log;
  quota: QuotaMeter;
  retries?: number;
  baseDelayMs?: number;
  /** the token is dropped from the cache this long before DingTalk says it expires (the Python SDK: 5 min) */
  tokenMarginMs?: number;
  timeoutMs?: number;
}

type Json = Record<string, unknown>;
/** An answer's body: a JSON object (its fields are read by each call); anything else is not the API's answer. */
const JsonObject = z.record(z.string(), z.unknown());

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class DingtalkApi {
  readonly creds: DingtalkCredentials;
  readonly apiBase: string;
  readonly oapiBase: string;
  readonly quota: QuotaMeter;
  private readonly store: KeyValueStore;
  private readonly log: Log;
  private readonly retries: number;
  private readonly baseDelayMs: number;
  private readonly tokenMarginMs: number;
  private readonly timeoutMs: number;

  constructor(o: DingtalkApiOptions) {
    this.creds = o.creds;
    this.apiBase = o.apiBase;
    this.oapiBase = o.oapiBase;
    this.quota = o.quota;
    this.store = o.store;
    this.log = o.log;
    this.retries = o.retries ?? 3;
    this.baseDelayMs = o.baseDelayMs ?? 200;
    this.tokenMarginMs = o.tokenMarginMs ?? 300_000;
    this.timeoutMs = o.timeoutMs ?? 10_000;
  }

  private get tokenKey() {
    return `dingtalk:token:${this.creds.appKey}`;
  }

  /** One HTTP exchange with transport retries (network, 5xx); the JSON answer and status otherwise. */
  private async exchange(
    url: URL,
    init: () => RequestInit,
    path: string,
    counted: boolean,
  ): Promise<{ status: number; body: Json }> {
    let problem = '';
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await sleep(this.baseDelayMs * 2 ** (attempt - 1));
      if (counted) await this.quota.count();
      let res: Response;
      try {
        res = await fetch(url, { ...init(), signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (e) {
        problem = `network: ${(e as Error).name}`;
        this.log.warn({ path, attempt, problem }, 'dingtalk api retry');
        continue;
      }
      const text = await res.text();
      if (res.status >= 500) {
        problem = `HTTP ${res.status}`;
        this.log.warn({ path, attempt, problem }, 'dingtalk api retry');
        continue;
      }
      let body: Json;
      try {
        body = text ? JsonObject.parse(JSON.parse(text)) : {};
      } catch {
        // the per-IP ban answers HTML (DINGTALK.md §4, status 1111)
        if (res.status === 403 || res.status === 429)
          throw new RateLimited(path, res.status, 'ip-ban', text.slice(0, 80), 300_000);
        throw new DingtalkApiError(path, res.status, 'not-json', text.slice(0, 80));
      }
      return { status: res.status, body };
    }
    throw new DingtalkUnavailable(path, problem);
  }

  private fail(path: string, status: number, code: string, message: string, kind: ErrorKind): never {
    if (kind.kind === 'rate') throw new RateLimited(path, status, code, message, kind.retryAfterMs);
    if (kind.kind === 'quota') throw new QuotaExhausted(path, status, code, message);
    throw new DingtalkApiError(path, status, code, message);
  }

  /** The cached access token, fetched once at a time across instances; `stale` forces a refetch if still cached. */
  async token(stale?: string): Promise<string> {
    const cached = await this.store.get(this.tokenKey);
    if (cached && cached !== stale) return cached;
    return this.store.withLock(
      `${this.tokenKey}:lock`,
      15_000,
      async () => {
        const again = await this.store.get(this.tokenKey);
        if (again && again !== stale) return again;
        const payload = JSON.stringify({ appKey: this.creds.appKey, appSecret: this.creds.appSecret });
        const { status, body } = await this.exchange(
          new URL(TOKEN_PATH, this.apiBase),
          () => ({ method: 'POST', body: payload, headers: { 'content-type': 'application/json' } }),
          TOKEN_PATH,
          false,
        );
        if (status !== 200 || typeof body.accessToken !== 'string')
          throw new DingtalkApiError(TOKEN_PATH, status, String(body.code ?? 'no-token'), String(body.message ?? ''));
        const expireMs = (typeof body.expireIn === 'number' ? body.expireIn : 7200) * 1000;
        await this.store.set(this.tokenKey, body.accessToken, Math.max(1_000, expireMs - this.tokenMarginMs));
        this.log.info({ expireInS: body.expireIn }, 'dingtalk access token fetched');
        return body.accessToken;
      },
      20_000,
    );
  }

  /** A v1.0 API call; an invalid token is refetched and the call retried once. */
  async call(method: 'GET' | 'POST' | 'PUT', path: string, payload?: unknown): Promise<Json> {
    let token = await this.token();
    const text = payload === undefined ? undefined : JSON.stringify(payload);
    for (let attempt = 0; ; attempt++) {
      const { status, body } = await this.exchange(
        new URL(path, this.apiBase),
        () => ({
          method,
          body: text,
          headers: { 'content-type': 'application/json', 'x-acs-dingtalk-access-token': token },
        }),
        path,
        true,
      );
      if (status >= 200 && status < 300) return body;
      const code = String(body.code ?? `HTTP${status}`);
      const kind = classifyNew(status, code);
      if (kind.kind === 'token' && attempt === 0) {
        this.log.info({ path, code }, 'dingtalk access token refused: refetching');
        token = await this.token(token);
        continue;
      }
      if (kind.kind === 'quota') await this.quota.markExhausted();
      this.fail(path, status, code, String(body.message ?? ''), kind);
    }
  }

  /** An old-API (oapi) call, token in the query; errcode 0 is success. */
  async oapi(path: string, init: () => RequestInit, query: Record<string, string> = {}): Promise<Json> {
    let token = await this.token();
    for (let attempt = 0; ; attempt++) {
      const url = new URL(path, this.oapiBase);
      for (const [k, v] of Object.entries({ ...query, access_token: token })) url.searchParams.set(k, v);
      const { status, body } = await this.exchange(url, init, path, true);
      const errcode = typeof body.errcode === 'number' ? body.errcode : status === 200 ? 0 : -2;
      if (errcode === 0) return body;
      const kind = classifyOld(errcode);
      if (kind.kind === 'token' && attempt === 0) {
        token = await this.token(token);
        continue;
      }
      if (kind.kind === 'quota') await this.quota.markExhausted();
      this.fail(path, status, String(errcode), String(body.errmsg ?? ''), kind);
    }
  }

  /** oapi media/upload (multipart, part `media`, type=image): the media_id (python SDK upload_to_dingtalk) */
  async uploadImage(png: Buffer, filename = 'chart.png'): Promise<string> {
    const r = await this.oapi(
      '/media/upload',
      () => {
        const form = new FormData();
        form.append('type', 'image');
        form.append('media', new Blob([png], { type: 'image/png' }), filename);
        return { method: 'POST', body: form };
      },
      { type: 'image' },
    );
    if (typeof r.media_id !== 'string') throw new DingtalkApiError('/media/upload', 200, 'no-media-id', '');
    return r.media_id;
  }

  /** /v1.0/robot/messageFiles/download: a short-lived URL of a picture a user sent (by its downloadCode) */
  async downloadUrl(downloadCode: string): Promise<string> {
    const r = await this.call('POST', '/v1.0/robot/messageFiles/download', {
      robotCode: this.creds.robotCode,
      downloadCode,
    });
    if (typeof r.downloadUrl !== 'string')
      throw new DingtalkApiError('/v1.0/robot/messageFiles/download', 200, 'no-url', '');
    return r.downloadUrl;
  }

  /**
   * A file a user sent: messageFiles/download names a short-lived URL, whose bytes are read here, stopping past
   * `maxBytes` (the announced Content-Length first, then the bytes as they come).
   */
  async downloadFile(downloadCode: string, maxBytes: number): Promise<{ bytes: Buffer }> {
    const url = await this.downloadUrl(downloadCode);
    const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok || !res.body)
      throw new DingtalkApiError('messageFiles downloadUrl', res.status, `HTTP${res.status}`, '');
    const announced = Number(res.headers.get('content-length') ?? 'NaN');
    if (announced > maxBytes) {
      await res.body.cancel();
      throw new FileTooLargeError(maxBytes);
    }
    const parts: Buffer[] = [];
    let total = 0;
    for await (const chunk of res.body) {
      total += chunk.length;
      if (total > maxBytes) throw new FileTooLargeError(maxBytes);
      parts.push(Buffer.from(chunk));
    }
    return { bytes: Buffer.concat(parts) };
  }

  /** oapi media/upload with type=file (multipart, part `media`): the media_id a sampleFile message names */
  async uploadFile(bytes: Buffer, filename: string): Promise<string> {
    const r = await this.oapi(
      '/media/upload',
      () => {
        const form = new FormData();
        form.append('type', 'file');
        form.append('media', new Blob([bytes], { type: 'application/octet-stream' }), filename);
        return { method: 'POST', body: form };
      },
      { type: 'file' },
    );
    if (typeof r.media_id !== 'string') throw new DingtalkApiError('/media/upload', 200, 'no-media-id', '');
    return r.media_id;
  }
}
