/**
 * An independent implementation of WeCom's 加解密方案 (doc 90968, WECOM.md §1) on node:crypto only, so the tests
 * never check the app's crypto against itself: AES-256-CBC with IV = key[0:16], PKCS#7 padding to 32 bytes,
 * plaintext = random(16) + len(4, BE) + msg + receiveid, signature = sha1 of the four sorted values.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

export function aesKey(encodingAesKey: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new Error('EncodingAESKey must decode to 32 bytes');
  return key;
}

export function signature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return createHash('sha1').update([token, timestamp, nonce, encrypted].sort().join('')).digest('hex');
}

export function encrypt(
  encodingAesKey: string,
  message: string,
  receiveId: string,
  random: Buffer = randomBytes(16),
): string {
  const key = aesKey(encodingAesKey);
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length);
  const plain = Buffer.concat([random, len, msg, Buffer.from(receiveId, 'utf8')]);
  const pad = 32 - (plain.length % 32);
  const padded = Buffer.concat([plain, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
}

export function decrypt(
  encodingAesKey: string,
  encrypted: string,
): { message: string; receiveId: string; random: Buffer; pad: number } {
  const key = aesKey(encodingAesKey);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  const pad = padded.at(-1) ?? 0;
  if (pad < 1 || pad > 32 || !padded.subarray(padded.length - pad).every((b) => b === pad))
    throw new Error('bad padding');
  const plain = padded.subarray(0, padded.length - pad);
  const len = plain.readUInt32BE(16);
  if (20 + len > plain.length) throw new Error('bad length');
  return {
    message: plain.subarray(20, 20 + len).toString('utf8'),
    receiveId: plain.subarray(20 + len).toString('utf8'),
    random: Buffer.from(plain.subarray(0, 16)),
    pad,
  };
}

/** raw padded plaintext, for tests that build malformed ciphertexts on purpose */
export function encryptRaw(encodingAesKey: string, plain: Buffer): string {
  const key = aesKey(encodingAesKey);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}
