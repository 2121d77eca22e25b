/**
 * WeCom's callback crypto (加解密方案, WECOM.md §1) over @wecom/crypto, plus the checks that library leaves out:
 * the decrypted receiveid must be our CorpID, and a plaintext whose padding or length field is malformed is
 * refused instead of being read as whatever bytes fall out.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';
import type { WecomCredentials } from './credentials.js';

export type CryptoFailure = 'bad_signature' | 'malformed_ciphertext' | 'wrong_receiveid';

export class WecomCryptoError extends Error {
  constructor(readonly reason: CryptoFailure) {
    super(reason);
  }
}

export interface SignedEnvelope {
  encrypt: string;
  signature: string;
  timestamp: string;
  nonce: string;
}

export class WecomCrypto {
  constructor(private readonly creds: Pick<WecomCredentials, 'token' | 'encodingAesKey' | 'corpId'>) {}

  sign(timestamp: string, nonce: string, ciphertext: string): string {
    return getSignature(this.creds.token, timestamp, nonce, ciphertext);
  }

  /** constant-time comparison of msg_signature with our own */
  verify(signature: string, timestamp: string, nonce: string, ciphertext: string): boolean {
    const expected = Buffer.from(this.sign(timestamp, nonce, ciphertext), 'utf8');
    const given = Buffer.from(signature.toLowerCase(), 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /**
   * The message inside a ciphertext. @wecom/crypto's decrypt neither checks the pad bytes nor the length field,
   * so the result is re-encrypted with the same random prefix: only a well-formed plaintext (PKCS#7 to 32, a
   * length that fits, valid UTF-8, canonical base64) reproduces the exact ciphertext.
   */
  decrypt(ciphertext: string): string {
    let r: { message: string; id: string; random: Buffer };
    try {
      r = decrypt(this.creds.encodingAesKey, ciphertext);
    } catch {
      throw new WecomCryptoError('malformed_ciphertext');
    }
    if (encrypt(this.creds.encodingAesKey, r.message, r.id, r.random) !== ciphertext)
      throw new WecomCryptoError('malformed_ciphertext');
    if (r.id !== this.creds.corpId) throw new WecomCryptoError('wrong_receiveid');
    return r.message;
  }

  encrypt(message: string): string {
    return encrypt(this.creds.encodingAesKey, message, this.creds.corpId);
  }

  /** encrypts and signs a message the way WeCom signs its callbacks (also used for our passive replies) */
  seal(message: string, timestamp: string, nonce: string = randomNonce()): SignedEnvelope {
    const ciphertext = this.encrypt(message);
    return { encrypt: ciphertext, signature: this.sign(timestamp, nonce, ciphertext), timestamp, nonce };
  }
}

export function randomNonce(): string {
  return String(randomBytes(4).readUInt32BE(0));
}
