/**
 * GET /files/claims/:claim/:n?exp=&sig= — a claim document, for the officer who opened the link on an approval
 * card; GET /files/claims/:claim/all?exp=&sig= — the page that lists every document of the claim, for a card that
 * cannot carry a link per document (WeCom: 3 at most). Served only with a valid, unexpired signature
 * (src/services/document-links.ts): 401 without one, 403 when it does not match (tampered, or made for another
 * claim or document), 410 once expired; never a byte otherwise.
 * The bytes are the ones kept when the photo arrived (src/services/claim-documents.ts); a claim from before we
 * kept them falls back to the platform's media API, which keeps a photo only a few days (502 when it is gone).
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Log } from '../core/log.js';
import type { TemplateKey } from '../core/templates.js';
import type { Db } from '../db/client.js';
import { claimDocumentCount, claimDocumentFile, contentTypeOf } from '../services/claim-documents.js';
import {
  checkDocumentLink,
  type DocumentLinkKey,
  type DocumentRef,
  documentLinkPath,
} from '../services/document-links.js';

/** a photo of a hospital bill; the platforms cap a picture well below this */
const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

export type MediaFetcher = (platform: string, mediaId: string, maxBytes: number) => Promise<{ bytes: Buffer }>;

const Claim = z.coerce.number().int().positive();
const Params = z.object({ claim: Claim, n: z.union([z.literal('all'), z.coerce.number().int().min(1).max(99)]) });

export function createFileRouter(deps: {
  db: Db;
  log: Log;
  templates: { render(key: TemplateKey, vars?: Record<string, unknown>): string };
  /** null: no links are made (production without PUBLIC_URL), so none is served */
  key: DocumentLinkKey | null;
  fetchMedia: MediaFetcher;
}): Router {
  const router = new Router();
  const text = (ctx: Context, status: number, key: TemplateKey) => {
    ctx.status = status;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = deps.templates.render(key);
  };

  /** the link's checks; answers the refusal and returns null, or the checked (claim, n) */
  const checked = (ctx: Context): { claim: number; n: DocumentRef } | null => {
    // nothing of ours is cached or sniffed: the answer is one officer's, for a short time
    ctx.set('Cache-Control', 'private, no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    const p = Params.safeParse(ctx.params);
    if (!p.success) {
      text(ctx, 400, 'document_link_malformed');
      return null;
    }
    if (!deps.key) {
      text(ctx, 404, 'document_links_off');
      return null;
    }
    const q = (k: string) => (typeof ctx.query[k] === 'string' ? (ctx.query[k] as string) : undefined);
    const check = checkDocumentLink(deps.key, p.data.claim, p.data.n, q('exp'), q('sig'));
    if (!check.ok) {
      text(ctx, check.status, check.status === 410 ? 'document_link_expired' : 'document_link_invalid');
      deps.log.info({ claimId: p.data.claim, n: p.data.n, reason: check.reason }, 'document link refused');
      return null;
    }
    return p.data;
  };

  router.get('/files/claims/:claim/:n', async (ctx) => {
    const link = checked(ctx);
    if (!link) return;
    const key = deps.key;
    if (link.n === 'all') {
      if (!key) return;
      const count = await claimDocumentCount(deps.db, link.claim);
      if (!count) return text(ctx, 404, 'document_missing');
      // each document signed with the index's own expiry, relative to the page: the page outlives nothing
      const exp = Number(ctx.query.exp);
      const documents = Array.from({ length: count }, (_, i) => ({
        n: i + 1,
        href: documentLinkPath(key, link.claim, i + 1, exp),
      }));
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('Content-Security-Policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'");
      ctx.body = deps.templates.render('document_index_page', { claimId: link.claim, count, documents });
      return;
    }
    const doc = await claimDocumentFile(deps.db, link.claim, link.n);
    if (!doc) return text(ctx, 404, 'document_missing');
    // masked file name: the claim and the document's number, never the worker's name or the platform's reference
    ctx.set('Content-Disposition', `inline; filename="claim-${link.claim}-${link.n}"`);
    if (doc.kind === 'kept') {
      ctx.type = doc.contentType;
      ctx.body = doc.bytes;
      return;
    }
    try {
      const { bytes } = await deps.fetchMedia(doc.platform, doc.mediaId, MAX_DOCUMENT_BYTES);
      ctx.type = contentTypeOf(bytes);
      ctx.body = bytes;
    } catch (e) {
      deps.log.warn({ err: e, claimId: link.claim, n: link.n }, 'document fetch from the platform failed');
      ctx.remove('Content-Disposition');
      text(ctx, 502, 'document_platform_gone');
    }
  });
  return router;
}
