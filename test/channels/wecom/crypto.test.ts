/**
 * WeCom's 加解密方案 (WECOM.md §1): the independent test implementation reproduces the known-answer vector of doc
 * 90968, and the app's crypto (over @wecom/crypto) agrees with it both ways and refuses what the library lets
 * through (wrong receiveid, malformed padding).
 */
import { describe, expect, it } from 'vitest';
import { WecomCrypto, WecomCryptoError } from '../../../src/channels/wecom/crypto.js';
import { decrypt, encrypt, encryptRaw, signature } from '../../support/wecom/crypto.js';

const DOC = {
  token: 'QDG6eK',
  encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C',
  corpId: 'wx5823bf96d3bd56c7',
  timestamp: '1409659813',
  nonce: '1372623149',
  signature: '477715d11cdb4164915debcba66cb864d751f3e6',
  encrypt:
    'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==',
};

describe('independent test crypto on the doc 90968 known-answer vector', () => {
  it('reproduces the signature', () => {
    expect(signature(DOC.token, DOC.timestamp, DOC.nonce, DOC.encrypt)).toBe(DOC.signature);
  });

  it('decrypts to the text message "hello" for receiveid wx5823bf96d3bd56c7, padded to 32', () => {
    const r = decrypt(DOC.encodingAesKey, DOC.encrypt);
    expect(r.receiveId).toBe(DOC.corpId);
    expect(r.message).toContain('<Content><![CDATA[hello]]></Content>');
    expect(r.message).toContain('<MsgId>4561255354251345929</MsgId>');
    expect(r.pad).toBeGreaterThan(16); // a pad a 16-byte-block unpad would refuse
  });

  it('re-encrypts to the exact ciphertext with the same random prefix', () => {
    const r = decrypt(DOC.encodingAesKey, DOC.encrypt);
    expect(encrypt(DOC.encodingAesKey, r.message, r.receiveId, r.random)).toBe(DOC.encrypt);
  });
});

describe('the app crypto (@wecom/crypto plus checks)', () => {
  const app = new WecomCrypto(DOC);

  it('verifies the doc signature and refuses a changed one', () => {
    expect(app.verify(DOC.signature, DOC.timestamp, DOC.nonce, DOC.encrypt)).toBe(true);
    expect(app.verify(DOC.signature.replace(/^4/, '5'), DOC.timestamp, DOC.nonce, DOC.encrypt)).toBe(false);
    expect(app.verify(DOC.signature, DOC.timestamp, '1', DOC.encrypt)).toBe(false);
  });

  it('decrypts the doc vector and what the test crypto encrypts, Chinese included, at many lengths', () => {
    expect(app.decrypt(DOC.encrypt)).toContain('hello');
    for (let n = 0; n < 70; n++) {
      const msg = '我参加了吗'.repeat(n % 7) + 'x'.repeat(n);
      expect(app.decrypt(encrypt(DOC.encodingAesKey, msg, DOC.corpId))).toBe(msg);
      const back = decrypt(DOC.encodingAesKey, app.encrypt(msg));
      expect(back).toMatchObject({ message: msg, receiveId: DOC.corpId });
    }
  });

  it('refuses a ciphertext for another receiveid (the library alone accepts it)', () => {
    const other = encrypt(DOC.encodingAesKey, '<xml/>', 'wwSomeoneElse');
    expect(() => app.decrypt(other)).toThrow(WecomCryptoError);
    try {
      app.decrypt(other);
    } catch (e) {
      expect((e as WecomCryptoError).reason).toBe('wrong_receiveid');
    }
  });

  it('refuses malformed padding and a length field past the end', () => {
    const body = Buffer.concat([
      Buffer.alloc(16, 1),
      Buffer.from([0, 0, 0, 5]),
      Buffer.from('hello'),
      Buffer.from(DOC.corpId),
    ]);
    const good = Buffer.concat([body, Buffer.alloc(32 - (body.length % 32), 32 - (body.length % 32))]);
    expect(app.decrypt(encryptRaw(DOC.encodingAesKey, good))).toBe('hello');
    const badPad = Buffer.from(good);
    badPad[badPad.length - 1] = 40; // outside 1..32: @wecom/crypto would keep the bytes as message
    expect(() => app.decrypt(encryptRaw(DOC.encodingAesKey, badPad))).toThrow(/malformed/);
    const mixedPad = Buffer.from(good);
    mixedPad[mixedPad.length - 2] = 0;
    expect(() => app.decrypt(encryptRaw(DOC.encodingAesKey, mixedPad))).toThrow(/malformed/);
    const longLen = Buffer.from(good);
    longLen.writeUInt32BE(9999, 16);
    expect(() => app.decrypt(encryptRaw(DOC.encodingAesKey, longLen))).toThrow(/malformed/);
    expect(() => app.decrypt('not base64 at all!!')).toThrow(/malformed/);
  });
});
