/**
 * The two HMAC signatures DingTalk puts on what it posts to us (DINGTALK.md §1 and §5.4):
 * - robot messages (HTTP mode): header `sign` = Base64(HmacSHA256(key=appSecret, timestamp + "\n" + appSecret)),
 *   header `timestamp` in ms (https://open.dingtalk.com/document/orgapp/receive-message);
 * - card clicks (HTTP callback route): `x-ddpaas-signature` = Base64(HmacSHA256(key=apiSecret, timestamp)),
 *   `x-ddpaas-signature-timestamp` in ms (https://open.dingtalk.com/document/orgapp/event-callback-card).
 * Neither covers the body: callers also bound the timestamp and dedupe what they handle.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

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
