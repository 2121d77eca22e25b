/**
 * The two HMAC signatures DingTalk puts on what it posts to us (DINGTALK.md §1 and §5.4):
 * - robot messages (HTTP mode): header `sign` = Base64(HmacSHA256(key=appSecret, timestamp + "\n" + appSecret)),
 *   header `timestamp` in ms (https://open.dingtalk.com/document/orgapp/receive-message);
 * - card clicks (HTTP callback route): `x-ddpaas-signature` = Base64(HmacSHA256(key=apiSecret, timestamp)),
 *   `x-ddpaas-signature-timestamp` in ms (https://open.dingtalk.com/document/orgapp/event-callback-card).
 * Neither covers the body: callers also bound the timestamp and dedupe what they handle.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export function robotSign(appSecret: string, timestamp: string): string {
  return createHmac('sha256', appSecret).update(`${timestamp}\n${appSecret}`, 'utf8').digest('base64');
}

export function cardSignature(apiSecret: string, timestamp: string): string {
  return createHmac('sha256', apiSecret).update(timestamp, 'utf8').digest('base64');
}

export function sameSignature(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export type SignCheck = { ok: true } | { ok: false; reason: string };

/** signature first, then the clock window: a forged request learns nothing about our clock */
export function checkSigned(
  expected: (ts: string) => string,
  timestamp: string | undefined,
  sign: string | undefined,
  nowMs: number,
  maxSkewMs: number,
): SignCheck {
  if (!timestamp || !sign) return { ok: false, reason: 'missing timestamp/sign' };
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'timestamp is not milliseconds' };
  if (!sameSignature(expected(timestamp), sign)) return { ok: false, reason: 'signature mismatch' };
  if (Math.abs(nowMs - Number(timestamp)) > maxSkewMs) return { ok: false, reason: 'timestamp outside the window' };
  return { ok: true };
}

/**
 * A DingTalk signature covers only its timestamp (and the secret), never the body: whoever sees one signed request
 * (a proxy, a log) could send any body under the same pair for the whole window. So a pair is accepted once:
 * the first body it arrives with is remembered (its hash, in the shared store, for as long as the pair would be
 * accepted, across instances).
 * - the same pair with the SAME body again is the same delivery (DingTalk's retry, or a replay of it): 'same',
 *   and the caller hands it on, where the dedupe mark (msgId / the click's id) answers it as before;
 * - the same pair with ANOTHER body is an attack: 'other', refused before anything is parsed or handled.
 * The price: two genuine deliveries signed in the same millisecond share a pair, and the second one is refused.
 * DingTalk's clock makes that rare, and a refused click or message is visible to the person, who sends again.
 */
export type PairUse = 'first' | 'same' | 'other';

export async function usePairOnce(
  store: { setIfAbsent(k: string, v: string, ttlMs: number): Promise<boolean>; get(k: string): Promise<string | null> },
  key: string,
  body: string,
  ttlMs: number,
): Promise<PairUse> {
  const hash = createHash('sha256').update(body, 'utf8').digest('base64url');
  if (await store.setIfAbsent(key, hash, Math.max(1_000, ttlMs))) return 'first';
  return (await store.get(key)) === hash ? 'same' : 'other';
}
