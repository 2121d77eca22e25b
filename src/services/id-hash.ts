import { createHash, hash } from 'node:crypto';

/**
 * ID numbers are stored as a keyed hash (to find a member again) and their last 4 characters (to show masked);
 * the number itself is never stored. The key is ID_HASH_KEY: without it a hash cannot be reversed by trying
 * the ~10^10 valid numbers of a region.
 *
 * The hash is HMAC-SHA256 (RFC 2104), computed as its two plain SHA-256 passes over the key's pads, which are
 * worked out once per key: createHmac sets up a keyed object for every call, and a province's million-row roster
 * spent more time there than in parsing its CSV. test/services/roster/fast-checks.test.ts holds it to createHmac.
 */
const BLOCK = 64;
let pads: { key: string; inner: Buffer; outer: Buffer } | null = null;

function padsOf(key: string): { inner: Buffer; outer: Buffer } {
  if (pads?.key === key) return pads;
  let k = Buffer.from(key, 'utf8');
  if (k.length > BLOCK) k = createHash('sha256').update(k).digest();
  const inner = Buffer.alloc(BLOCK, 0x36);
  const outer = Buffer.alloc(BLOCK, 0x5c);
  for (let i = 0; i < k.length; i++) {
    inner[i] = (inner[i] as number) ^ (k[i] as number);
    outer[i] = (outer[i] as number) ^ (k[i] as number);
  }
  pads = { key, inner, outer };
  return pads;
}

export function hashIdNumber(key: string, idNumber: string): string {
  const p = padsOf(key);
  const inner = hash('sha256', Buffer.concat([p.inner, Buffer.from(idNumber.trim().toUpperCase(), 'utf8')]), 'buffer');
  return hash('sha256', Buffer.concat([p.outer, inner]), 'hex');
}

export function idLast4(idNumber: string): string {
  return idNumber.trim().toUpperCase().slice(-4);
}
