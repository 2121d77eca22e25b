/**
 * Officers open a claim's documents (the photos the worker sent) from the approval card through a short-lived
 * signed link under PUBLIC_URL: /files/claims/<claim>/<n>?exp=<unix s>&sig=<HMAC-SHA256 of "claim.n.exp">. The
 * signature is the only credential: no one can make a link for another claim, another document or a later
 * expiry without FILE_LINK_SECRET, and an expired link is refused. Only officers' and the centre's cards carry
 * links (src/services/claim-cards.ts), so a link reaches only people who may see the claim.
 *
 * The bytes are kept by us when the photo arrives (src/services/claim-documents.ts); only a claim from before that,
 * or whose download failed, is fetched through the platform's media API when the link is opened.
 *
 * A card that cannot carry one link per document (WeCom: 3 links at most) carries the signed index of them all,
 * /files/claims/<claim>/all?exp=&sig= (signed over "claim.all.exp"), whose page links each document signed with
 * the index's own expiry: opening the index never makes a link that lives longer than the card's.
 */
import crypto from 'node:crypto';

/** how long a link is good for: a card's links are drawn again on every redraw, and 待审批 sends fresh cards */
export const DOCUMENT_LINK_TTL_MS = 72 * 3_600_000;

export interface DocumentLinkKey {
  secret: string;
  now: () => Date;
}

/** a document's number (1-based), or `all`: the index page of a claim's documents */
export type DocumentRef = number | 'all';

function signature(secret: string, claimId: number, n: DocumentRef, exp: number): string {
  return crypto.createHmac('sha256', secret).update(`${claimId}.${n}.${exp}`).digest('base64url');
}

/** The signed link of document n (1-based) of a claim, good for DOCUMENT_LINK_TTL_MS from now. */
export function signDocumentLink(key: DocumentLinkKey, baseUrl: string, claimId: number, n: DocumentRef): string {
  const exp = Math.floor((key.now().getTime() + DOCUMENT_LINK_TTL_MS) / 1000);
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/files/claims/${claimId}/${documentLinkPath(key, claimId, n, exp)}`;
}

/** `<n>?exp=&sig=` of a link that expires at `exp` (unix s): the index page links its documents relative to itself */
export function documentLinkPath(key: DocumentLinkKey, claimId: number, n: DocumentRef, exp: number): string {
  return `${n}?exp=${exp}&sig=${signature(key.secret, claimId, n, exp)}`;
}

export type LinkCheck = { ok: true } | { ok: false; status: 401 | 403 | 410; reason: string };

/** Is this (claim, n, exp, sig) a link we signed, and still good? Constant-time on the signature. */
export function checkDocumentLink(
  key: DocumentLinkKey,
  claimId: number,
  n: DocumentRef,
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
