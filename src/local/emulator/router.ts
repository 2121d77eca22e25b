/**
 * /emulator: the browser page that plays WeCom or DingTalk for anyone trying the bot, and its JSON API. The page
 * acts as a person on a platform; every action goes through the channel's EmulatorAdapter, which posts the
 * platform's real callback (signed, encrypted) to the app's own endpoint and reads what the app sent to the local
 * platform API server. Nothing here knows a platform: platforms are found by name, and only those running against
 * their local server (with an adapter) are offered.
 */
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import sharp from 'sharp';
import { z } from 'zod';
import type { Background } from '../../channels/channel.js';
import type { Clock } from '../../clock.js';
import type { Log } from '../../core/log.js';
import type { Db } from '../../db/client.js';
import { shanghaiToday } from '../../runtime.js';
import type { EmulatorAdapter } from './adapter.js';
import type { ApiClock, ApiMessage, ApiPlatform, ApiTarget } from './api.js';
import { EMULATOR_DIST_DIR } from './build.js';
import { listGroups, listPeople, timelineDates } from './people.js';
import { serveBuilt } from './static.js';

export interface EmulatorDeps {
  db: Db;
  /** one adapter per platform running against its local server, by platform name: those are offered */
  adapters: ReadonlyMap<string, EmulatorAdapter>;
  /** the app's one clock: the page moves it to a date of the timeline */
  clock: Clock;
  /** the app's background work: an action answers once the replies it caused were sent (or after `settleMs`) */
  background: Background;
  /** runs today's scheduled ranking push and deadline announcements now; absent = the control is disabled */
  runSchedulesNow?: () => Promise<void>;
  log?: Log;
  /** default dist/emulator */
  distDir?: string;
  /** longest wait for the app to go idle after an action, default 15 000 ms */
  settleMs?: number;
}

/** a photo a person sends: decoded size limit */
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;
const MAX_BODY = '8mb';

const PlatformQ = z.string().min(1).max(40);
const UserId = z.string().min(1).max(64);
const SendText = z.object({
  platform: PlatformQ,
  userId: UserId, // no length cap of its own: an over-long message reaches the bot, which answers it in Chinese (too_long)
  text: z.string().min(1).max(100_000),
});
const SendImage = z.object({
  platform: PlatformQ,
  userId: UserId,
  dataUrl: z
    .string()
    .regex(
      /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/,
      'must be a base64 data: URL of a PNG, JPEG, GIF or WebP image',
    ),
});
/** a file a person sends (an office's XLSX): under the JSON body limit once base64-encoded */
const MAX_FILE_BYTES = 5 * 1024 * 1024;
const SendFile = z.object({
  platform: PlatformQ,
  userId: UserId,
  name: z.string().min(1).max(255),
  base64: z.string().regex(/^[A-Za-z0-9+/=]+$/, 'must be base64'),
});
const Click = z.object({
  platform: PlatformQ,
  userId: UserId,
  cardId: z.string().min(1).max(200),
  key: z.string().min(1).max(200),
});
const MessagesQ = z
  .object({
    platform: PlatformQ,
    userId: UserId.optional(),
    chatId: z.string().min(1).max(128).optional(),
    after: z.coerce.number().int().min(0).default(0),
    /** only cards: the page re-reads them to see updates (a decided card) without fetching images again */
    cards: z.enum(['0', '1']).default('0'),
  })
  .refine((q) => Boolean(q.userId) !== Boolean(q.chatId), 'give exactly one of userId and chatId');
const SetClock = z.object({
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
    .nullable(),
});

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success)
    throw new HttpError(400, r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

async function jsonBody(ctx: Context): Promise<unknown> {
  if (!ctx.is('application/json')) throw new HttpError(415, 'send application/json');
  let raw: string;
  try {
    raw = await getRawBody(ctx.req, { limit: MAX_BODY, encoding: 'utf8' });
  } catch (e) {
    const status = (e as { status?: number }).status;
    throw new HttpError(status === 413 ? 413 : 400, status === 413 ? 'body too large' : 'unreadable body');
  }
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
}

/** a photo as the adapter takes it: PNG bytes (a JPEG from a phone is converted) */
async function toPng(dataUrl: string): Promise<Buffer> {
  const bytes = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
  if (bytes.length === 0 || bytes.length > MAX_IMAGE_BYTES)
    throw new HttpError(413, `image must be 1 byte to ${MAX_IMAGE_BYTES / 1024 / 1024} MB`);
  try {
    const meta = await sharp(bytes).metadata();
    return meta.format === 'png' ? bytes : await sharp(bytes).png().toBuffer();
  } catch {
    throw new HttpError(400, 'not a readable image');
  }
}

export function createEmulatorRouter(deps: EmulatorDeps): Router {
  const distDir = deps.distDir ?? EMULATOR_DIST_DIR;
  const settleMs = deps.settleMs ?? 15_000;
  let travelledTo: string | null = null;
  /**
   * This process's id, on every API answer (X-Emulator-Boot): the platform servers' message logs and their seqs
   * start afresh with each process, so a page that sees another boot fetches from seq 0 again.
   */
  const boot = randomUUID();
  const router = new Router({ prefix: '/emulator' });

  const adapterOf = (platform: string): EmulatorAdapter => {
    const a = deps.adapters.get(platform);
    if (!a) throw new HttpError(404, `no emulated platform named ${platform}`);
    return a;
  };
  /** waits until the replies an action caused were sent, so the page's next poll shows them */
  const settle = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([deps.background.idle(), new Promise<void>((r) => (timer = setTimeout(r, settleMs)))]);
    clearTimeout(timer);
  };
  const clockState = async (): Promise<ApiClock> => {
    const now = deps.clock.now();
    return {
      now: now.toISOString(),
      today: shanghaiToday(now),
      travelledTo,
      boot,
      timeline: await timelineDates(deps.db),
      canRunSchedules: Boolean(deps.runSchedulesNow),
    };
  };

  router.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/emulator/api/')) return next();
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Emulator-Boot', boot);
    try {
      await next();
    } catch (e) {
      if (e instanceof HttpError) {
        ctx.status = e.status;
        ctx.body = { error: e.message };
        return;
      }
      deps.log?.error({ err: e, path: ctx.path }, 'emulator action failed');
      ctx.status = 502;
      ctx.body = { error: `not delivered: ${(e as Error).message.slice(0, 200)}` };
    }
  });

  router.get('/api/platforms', (ctx) => {
    const platforms: ApiPlatform[] = [...deps.adapters.keys()].map((name) => ({ name }));
    ctx.body = platforms;
  });

  router.get('/api/people', async (ctx) => {
    const platform = parse(PlatformQ, ctx.query.platform);
    adapterOf(platform);
    ctx.body = await listPeople(deps.db, platform);
  });

  router.get('/api/groups', async (ctx) => {
    const platform = parse(PlatformQ, ctx.query.platform);
    adapterOf(platform);
    ctx.body = await listGroups(deps.db, platform);
  });

  router.get('/api/messages', (ctx) => {
    const q = parse(MessagesQ, ctx.query);
    const to: ApiTarget = q.userId ? { userId: q.userId } : { chatId: q.chatId ?? '' };
    const all: ApiMessage[] = adapterOf(q.platform).messages(to, q.after);
    ctx.body = q.cards === '1' ? all.filter((m) => m.kind === 'card') : all;
  });

  router.post('/api/send', async (ctx) => {
    const b = parse(SendText, await jsonBody(ctx));
    await adapterOf(b.platform).sendText(b.userId, b.text);
    await settle();
    ctx.body = { ok: true };
  });

  router.post('/api/image', async (ctx) => {
    const b = parse(SendImage, await jsonBody(ctx));
    const adapter = adapterOf(b.platform);
    await adapter.sendImage(b.userId, await toPng(b.dataUrl));
    await settle();
    ctx.body = { ok: true };
  });

  router.post('/api/file', async (ctx) => {
    const b = parse(SendFile, await jsonBody(ctx));
    const bytes = Buffer.from(b.base64, 'base64');
    if (bytes.length === 0 || bytes.length > MAX_FILE_BYTES)
      throw new HttpError(413, `file must be 1 byte to ${MAX_FILE_BYTES / 1024 / 1024} MB`);
    await adapterOf(b.platform).sendFile(b.userId, b.name, bytes);
    await settle();
    ctx.body = { ok: true };
  });

  router.post('/api/click', async (ctx) => {
    const b = parse(Click, await jsonBody(ctx));
    await adapterOf(b.platform).click(b.userId, b.cardId, b.key);
    await settle();
    ctx.body = { ok: true };
  });

  router.get('/api/clock', async (ctx) => {
    ctx.body = await clockState();
  });

  router.post('/api/clock', async (ctx) => {
    const b = parse(SetClock, await jsonBody(ctx));
    if (b.date !== null && Number.isNaN(Date.parse(`${b.date}T00:00:00Z`)))
      throw new HttpError(400, 'date: not a calendar date');
    deps.clock.travelTo(b.date);
    travelledTo = b.date;
    deps.log?.info({ date: b.date }, 'emulator moved the clock');
    ctx.body = await clockState();
  });

  router.post('/api/run-schedules', async (ctx) => {
    if (!deps.runSchedulesNow) throw new HttpError(501, 'this app was started without the schedules');
    const started = performance.now();
    // what the run planned: a day with nothing due (a weekend push day off, no deadline at T-n) says so
    const before = await deps.db.delivery.count({ where: { kind: { not: 'job' } } });
    await deps.runSchedulesNow();
    await settle();
    const sent = (await deps.db.delivery.count({ where: { kind: { not: 'job' } } })) - before;
    ctx.body = { ok: true, ms: Math.round(performance.now() - started), sent };
  });

  router.all('/api/{*rest}', (ctx) => {
    ctx.status = 404;
    ctx.body = { error: 'no such emulator API' };
  });

  const page = async (ctx: Context): Promise<void> => {
    if (ctx.path === '/emulator') return ctx.redirect('/emulator/');
    const rel = ctx.path.slice('/emulator/'.length);
    const isPage = rel === '' || rel === 'index.html';
    if (isPage)
      // the page loads only its own bundle, talks only to this app, and shows images from data: URLs
      ctx.set(
        'Content-Security-Policy',
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'",
      );
    if (await serveBuilt(ctx, distDir, rel)) return;
    if (isPage) {
      ctx.status = 503;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'The emulator page is not built: run `npm run build` (npm start builds it when missing).';
      return;
    }
    ctx.status = 404;
  };
  router.get('/', page);
  router.get('/{*rest}', page);

  return router;
}
