/**
 * The test's own implementation of DingTalk's signatures (DINGTALK.md §1, §5.4), independent of the code under test:
 * robot callback sign = Base64(HmacSHA256(appSecret, timestamp + "\n" + appSecret)); card callback
 * x-ddpaas-signature = Base64(HmacSHA256(apiSecret, timestamp)).
 */
import crypto from 'node:crypto';

export function signRobot(appSecret: string, timestampMs: string): string {
  const mac = crypto.createHmac('sha256', Buffer.from(appSecret, 'utf8'));
  mac.update(Buffer.from(`${timestampMs}\n${appSecret}`, 'utf8'));
  return mac.digest().toString('base64');
}

export function signCard(apiSecret: string, timestampMs: string): string {
  return crypto
    .createHmac('sha256', Buffer.from(apiSecret, 'utf8'))
    .update(Buffer.from(timestampMs, 'utf8'))
    .digest()
    .toString('base64');
}
