/**
 * The WeCom server API (WECOM.md §4–§6): one access token per app cached in the shared store (refetched under a
 * lock shared by every instance, and on 40014/42001), retries with exponential backoff on network errors, HTTP
 * 5xx and errcode -1, and rate-limit answers honoured: the API path is blocked for everyone until the window ends.
 */
import { z } from 'zod';
import type { Log } from '../../core/log.js';
import { FileTooLargeError } from '../../core/messages.js';
import { must } from '../../core/must.js';
import type { KeyValueStore } from '../../state/store.js';
import type { WecomCredentials } from './credentials.js';
import { RateLimited, WecomApiError, WecomUnavailable } from './errors.js';

export const DEFAULT_API_BASE = 'https://qyapi.weixin.qq.com';

export interface RetryPolicy {
  /** retries after the first attempt (WeCom: "建议重试次数不超过3次") */
  retries: number;
  baseDelayMs: number;
}

export interface WecomApiOptions {
  base: string;
  creds: WecomCredentials;
  store: KeyValueStore;
  log: Log;
  retry?: Partial<RetryPolicy>;
  /** how long a 45009/45033 blocks the API path (WeCom's minute windows block 60 s) */
  rateLimitBlockMs?: number;
  /** the token is dropped from the cache this long before WeCom says it expires */
  tokenMarginMs?: number;
  /** per-attempt timeout */
  timeoutMs?: number;
}

/** Every JSON answer of the API: errcode/errmsg, and the call's own fields (read by each call). */
const ApiAnswer = z.looseObject({ errcode: z.number().optional(), errmsg: z.string().optional() });
type ApiAnswer = z.infer<typeof ApiAnswer>;

/** the file name of a Content-Disposition header (filename*=UTF-8'' first, then filename="…") */
export function fileNameOf(header: string | null): string | undefined {
  if (!header) return undefined;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star) {
    try {
      return decodeURIComponent(must(star[1], 'filename* group 1').trim());
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(header);
  return plain?.[1]?.trim();
}

type BodyFactory = () => { body?: string | FormData; headers?: Record<string, string> };

const TOKEN_INVALID = new Set([40014, 42001]);
const RATE_LIMITED = new Set([45009, 45033]);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** POSTs JSON (or multipart) to a WeCom-shaped API with the retry and rate-limit rules; no token involved. */
export class WecomHttp {
  readonly retry: RetryPolicy;
  readonly rateLimitBlockMs: number;
  private readonly timeoutMs: number;

  constructor(
    readonly base: string,
    protected readonly store: KeyValueStore,
    protected readonly log: Log,
    opts: Pick<WecomApiOptions, 'retry' | 'rateLimitBlockMs' | 'timeoutMs'> = {},
    /** namespaces the rate-limit marks (one app, one robot key) */
    private readonly scope = 'wecom',
  ) {
    this.retry = { retries: 3, baseDelayMs: 200, ...opts.retry };
    this.rateLimitBlockMs = opts.rateLimitBlockMs ?? 60_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  private blockKey(path: string) {
    return `wecom:blocked:${this.scope}:${path}`;
  }

  /** throws RateLimited while the path is blocked after a rate-limit answer */
  protected async refuseIfBlocked(path: string): Promise<void> {
    const blockedUntil = await this.store.get(this.blockKey(path));
    if (blockedUntil) {
      const left = Number(blockedUntil) - Date.now();
      if (left > 0) throw new RateLimited(path, 45009, 'blocked locally after a rate-limit answer', left);
    }
  }

  /**
   * One logical request: retried on transport failures and -1, refused at once while the path is rate-limited
   * (`blockChecked`: the caller checked that already, alongside its own read).
   */
  async request(
    method: 'GET' | 'POST',
    path: string,
    query: Record<string, string>,
    make: BodyFactory = () => ({}),
    blockChecked = false,
  ): Promise<ApiAnswer> {
    if (!blockChecked) await this.refuseIfBlocked(path);
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    let lastProblem = '';
    for (let attempt = 0; attempt <= this.retry.retries; attempt++) {
      if (attempt > 0) await sleep(this.retry.baseDelayMs * 2 ** (attempt - 1));
      let res: Response;
      try {
        const { body, headers } = make();
        res = await fetch(url, { method, body, headers, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (e) {
        lastProblem = `network: ${(e as Error).name}`;
        this.log.warn({ path, attempt, problem: lastProblem }, 'wecom api retry');
        continue;
      }
      if (res.status >= 500) {
        await res.arrayBuffer().catch(() => undefined);
        lastProblem = `HTTP ${res.status}`;
        this.log.warn({ path, attempt, problem: lastProblem }, 'wecom api retry');
        continue;
      }
      const answer = await this.readAnswer(res, path);
      const errcode = answer.errcode ?? 0;
      if (errcode === -1) {
        lastProblem = 'errcode -1 (system busy)';
        this.log.warn({ path, attempt, errcode }, 'wecom api retry');
        continue;
      }
      if (RATE_LIMITED.has(errcode)) {
        const until = Date.now() + this.rateLimitBlockMs;
        await this.store.set(this.blockKey(path), String(until), this.rateLimitBlockMs);
        this.log.warn({ path, errcode, blockMs: this.rateLimitBlockMs }, 'wecom api rate-limited');
        throw new RateLimited(path, errcode, answer.errmsg ?? '', this.rateLimitBlockMs);
      }
      return answer;
    }
    throw new WecomUnavailable(path, lastProblem);
  }

  private async readAnswer(res: Response, path: string): Promise<ApiAnswer> {
    const type = res.headers.get('content-type') ?? '';
    const bytes = Buffer.from(await res.arrayBuffer());
    // media/get answers the file itself, its name in Content-Disposition
    if (!/json|text\/plain/.test(type) && res.ok)
      return { errcode: 0, bytes, filename: fileNameOf(res.headers.get('content-disposition')) };
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new WecomApiError(path, -2, `HTTP ${res.status} with a body that is not JSON`);
    }
    const answer = ApiAnswer.safeParse(json);
    if (!answer.success) throw new WecomApiError(path, -2, `HTTP ${res.status} with an answer of another shape`);
    return answer.data;
  }
}

/** The self-built app's API: token handling on top of WecomHttp. */
export class WecomApi extends WecomHttp {
  readonly creds: WecomCredentials;
  private readonly tokenMarginMs: number;

  constructor(opts: WecomApiOptions) {
    super(opts.base, opts.store, opts.log, opts, `app:${opts.creds.corpId}:${opts.creds.agentId}`);
    this.creds = opts.creds;
    this.tokenMarginMs = opts.tokenMarginMs ?? 300_000;
  }

  private get tokenKey() {
    return `wecom:token:${this.creds.corpId}:${this.creds.agentId}`;
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
        const r = await this.request('GET', '/cgi-bin/gettoken', {
          corpid: this.creds.corpId,
          corpsecret: this.creds.secret,
        });
        if (r.errcode || typeof r.access_token !== 'string')
          throw new WecomApiError('/cgi-bin/gettoken', r.errcode ?? -2, r.errmsg ?? 'no access_token');
        const expiresMs = (typeof r.expires_in === 'number' ? r.expires_in : 7200) * 1000;
        await this.store.set(this.tokenKey, r.access_token, Math.max(1_000, expiresMs - this.tokenMarginMs));
        this.log.info({ expiresInS: r.expires_in }, 'wecom access token fetched');
        return r.access_token;
      },
      20_000,
    );
  }

  /** A token-authenticated call; an invalid or expired token is refetched and the call retried once. */
  async call(
    method: 'GET' | 'POST',
    path: string,
    make: BodyFactory = () => ({}),
    query: Record<string, string> = {},
  ): Promise<ApiAnswer> {
    // the token and the path's rate-limit block are read at once: one wait on the store instead of two, on every
    // API send (under load each wait is a pass through the event loop's whole queue, issue #17)
    let [token] = await Promise.all([this.token(), this.refuseIfBlocked(path)]);
    for (let attempt = 0; ; attempt++) {
      const r = await this.request(method, path, { ...query, access_token: token }, make, attempt === 0);
      const errcode = r.errcode ?? 0;
      if (TOKEN_INVALID.has(errcode) && attempt === 0) {
        this.log.info({ path, errcode }, 'wecom access token refused: refetching');
        token = await this.token(token);
        continue;
      }
      if (errcode !== 0) throw new WecomApiError(path, errcode, r.errmsg ?? '');
      return r;
    }
  }

  postJson(path: string, body: unknown): Promise<ApiAnswer> {
    const text = JSON.stringify(body);
    return this.call('POST', path, () => ({ body: text, headers: { 'content-type': 'application/json' } }));
  }

  /** media/upload: multipart with part `media`; returns the media_id (valid 3 days) */
  async upload(
    type: 'image' | 'voice' | 'video' | 'file',
    bytes: Buffer,
    filename: string,
    contentType: string,
  ): Promise<string> {
    const r = await this.call(
      'POST',
      '/cgi-bin/media/upload',
      () => {
        const form = new FormData();
        form.append('media', new Blob([bytes], { type: contentType }), filename);
        return { body: form };
      },
      { type },
    );
    if (typeof r.media_id !== 'string') throw new WecomApiError('/cgi-bin/media/upload', -2, 'no media_id');
    return r.media_id;
  }

  /** media/get: the bytes of an uploaded or received file */
  async media(mediaId: string): Promise<Buffer> {
    const r = await this.call('GET', '/cgi-bin/media/get', undefined, { media_id: mediaId });
    if (!(r.bytes instanceof Buffer))
      throw new WecomApiError('/cgi-bin/media/get', r.errcode ?? -2, r.errmsg ?? 'no bytes');
    return r.bytes;
  }

  /**
   * media/get of a file a user sent: its bytes and name. WeCom caps a file at 20 MB (WECOM.md §5), so the answer is
   * read whole; past `maxBytes` it is refused here, before anyone parses it.
   */
  async mediaFile(mediaId: string, maxBytes: number): Promise<{ bytes: Buffer; name?: string }> {
    const r = await this.call('GET', '/cgi-bin/media/get', undefined, { media_id: mediaId });
    if (!(r.bytes instanceof Buffer))
      throw new WecomApiError('/cgi-bin/media/get', r.errcode ?? -2, r.errmsg ?? 'no bytes');
    if (r.bytes.length > maxBytes) throw new FileTooLargeError(maxBytes);
    return { bytes: r.bytes, ...(typeof r.filename === 'string' ? { name: r.filename } : {}) };
  }
}
