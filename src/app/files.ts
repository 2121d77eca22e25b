/**
 * GET /files/claims/:claim/:n?exp=&sig= — a claim document, for the officer who opened the link on an approval
 * card. Served only with a valid, unexpired signature (src/services/document-links.ts): 401 without one, 403 when
 * it does not match (tampered, or made for another claim or document), 410 once expired; never a byte otherwise.
 * The bytes are fetched from the platform the photo came in on (its media API), not kept by us.
 */
import Router from '@koa/router';
import { z } from 'zod';
import type { Log } from '../core/log.js';
import type { Db } from '../db/client.js';
import { checkDocumentLink, claimDocument, type DocumentLinkKey } from '../services/document-links.js';

/** a photo of a hospital bill; the platforms cap a picture well below this */
const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

export type MediaFetcher = (platform: string, mediaId: string, maxBytes: number) => Promise<{ bytes: Buffer }>;

const Params = z.object({ claim: z.coerce.number().int().positive(), n: z.coerce.number().int().min(1).max(99) });

/** what the bytes are, from their first bytes (the platforms do not say reliably) */
function contentTypeOf(b: Buffer): string {
  if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (b[0] === 0xff && b[1] === 0xd8) return 'image/jpeg';
  if (b.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  if (b.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return 'application/octet-stream';
}

export function createFileRouter(deps: {
  db: Db;
  log: Log;
  /** null: no links are made (production without PUBLIC_URL), so none is served */
  key: DocumentLinkKey | null;
  fetchMedia: MediaFetcher;
}): Router {
  const router = new Router();
  router.get('/files/claims/:claim/:n', async (ctx) => {
    // nothing of ours is cached or sniffed: the answer is one officer's, for a short time
    ctx.set('Cache-Control', 'private, no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    const p = Params.safeParse(ctx.params);
    if (!p.success) {
      ctx.status = 400;
      ctx.body = '链接格式不对。';
      return;
    }
    if (!deps.key) {
      ctx.status = 404;
      ctx.body = '未开放单据查看。';
      return;
    }
    const q = (k: string) => (typeof ctx.query[k] === 'string' ? (ctx.query[k] as string) : undefined);
    const check = checkDocumentLink(deps.key, p.data.claim, p.data.n, q('exp'), q('sig'));
    if (!check.ok) {
      ctx.status = check.status;
      ctx.body =
        check.status === 410 ? '链接已过期：请在对话中回复“待审批”获取新的审批卡片。' : '链接无效，不能查看单据。';
      deps.log.info({ claimId: p.data.claim, n: p.data.n, reason: check.reason }, 'document link refused');
      return;
    }
    const doc = await claimDocument(deps.db, p.data.claim, p.data.n);
    if (!doc) {
      ctx.status = 404;
      ctx.body = '没有这份单据。';
      return;
    }
    try {
      const { bytes } = await deps.fetchMedia(doc.platform, doc.mediaId, MAX_DOCUMENT_BYTES);
      ctx.set('Content-Disposition', `inline; filename="claim-${p.data.claim}-${p.data.n}"`);
      ctx.type = contentTypeOf(bytes);
      ctx.body = bytes;
    } catch (e) {
      deps.log.warn({ err: e, claimId: p.data.claim, n: p.data.n }, 'document fetch from the platform failed');
      ctx.status = 502;
      ctx.body = '暂时取不到这份单据（平台未返回，可能已超过保存期限），请稍后再试或请申请人补充。';
    }
  });
  return router;
}
