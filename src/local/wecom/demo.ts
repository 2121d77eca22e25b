/**
 * DEMO ONLY. The fixed credentials of the embedded local WeCom server, used when the WECOM_* variables are not all
 * set (`npm start` with no platform configured, the tests, the emulator). They open nothing on the real WeCom: the
 * local API server is the only thing that accepts them.
 */
import type { WecomCredentials } from '../../channels/wecom/credentials.js';

export type { WecomCredentials };

export const DEMO_CREDENTIALS: Readonly<WecomCredentials> = Object.freeze({
  corpId: 'wwdemo0huzhu0local',
  token: 'huzhuDemoToken',
  encodingAesKey: 'HuzhuDemoOnlyEncodingAesKey0123456789abcdef',
  agentId: 1000002,
  secret: 'huzhu-demo-secret-local-only',
});
