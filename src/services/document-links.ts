/**
 * Officers open a claim's documents (the photos the worker sent) from the approval card through a short-lived
 * signed link under PUBLIC_URL: /files/claims/<claim>/<n>?exp=<unix s>&sig=<HMAC-SHA256 of "claim.n.exp">. The
 * signature is the only credential: no one can make a link for another claim, another document or a later
 * expiry without FILE_LINK_SECRET, and an expired link is refused. Only officers' and the centre's cards carry
 * links (src/services/claim-cards.ts), so a link reaches only people who may see the claim.
 *
 * The bytes are not kept by us: the worker's photo stays with the platform (WeCom media_id, DingTalk
 * downloadCode), and the route (src/app/files.ts) fetches it through the platform's media API when the link is
 * opened. WeCom keeps a received photo 3 days, so a link is signed for at most that long.
 */
import crypto from 'node:crypto';
import type { Db } from '../db/client.js';

/** how long a link is good for: WeCom keeps a received photo's media 3 days, so not longer than that */
export const DOCUMENT_LINK_TTL_MS = 72 * 3_600_000;

export interface DocumentLinkKey {
  secret: string;
  now: () => Date;
}

function signature(secret: string, claimId: number, n: number, exp: number): string {
  return crypto.createHmac('sha256', secret).update(`${claimId}.${n}.${exp}`).digest('base64url');
}

/** The signed link of document n (1-based) of a claim, good for DOCUMENT_LINK_TTL_MS from now. */
export function signDocumentLink(key: DocumentLinkKey, baseUrl: string, claimId: number, n: number): string {
  const exp = Math.floor((key.now().getTime() + DOCUMENT_LINK_TTL_MS) / 1000);
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/files/claims/${claimId}/${n}?exp=${exp}&sig=${signature(key.secret, claimId, n, exp)}`;
}

export type LinkCheck = { ok: true } | { ok: false; status: 401 | 403 | 410; reason: string };

/** Is this (claim, n, exp, sig) a link we signed, and still good? Constant-time on the signature. */
export function checkDocumentLink(
  key: DocumentLinkKey,
  claimId: number,
  n: number,
  exp: string | undefined,
  sig: string | undefined,
): LinkCheck {
  if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return { ok: false, status: 401, reason: 'unsigned link' };
  const want = Buffer.from(signature(key.secret, claimId, n, Number(exp)));
  const got = Buffer.from(sig);
  if (want.length !== got.length || !crypto.timingSafeEqual(want, got))
    return { ok: false, status: 403, reason: 'bad signature' };
  if (Number(exp) * 1000 <= key.now().getTime()) return { ok: false, status: 410, reason: 'link expired' };
  return { ok: true };
}

/** Where document n (1-based, in the order received) of a claim is kept: the platform and its media reference. */
export async function claimDocument(
  db: Db,
  claimId: number,
  n: number,
): Promise<{ platform: string; mediaId: string } | null> {
  if (!Number.isInteger(n) || n < 1) return null;
  const a = await db.claimAttachment.findFirst({
    where: { claimId },
    orderBy: { id: 'asc' },
    skip: n - 1,
    select: { platform: true, mediaId: true },
  });
  return a;
}
