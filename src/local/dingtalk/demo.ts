/**
 * DEMO ONLY. The fixed credentials of the embedded local DingTalk server, used when DINGTALK_APP_KEY,
 * DINGTALK_APP_SECRET and DINGTALK_ROBOT_CODE are not all set (`npm start` with no platform configured, the tests,
 * the emulator). Only the local server accepts them.
 */
import type { DingtalkCredentials } from '../../channels/dingtalk/credentials.js';

export type { DingtalkCredentials };

export const DEMO_CREDENTIALS: Readonly<DingtalkCredentials> = Object.freeze({
  appKey: 'dingdemohuzhulocal0001',
  appSecret: 'huzhu-demo-dingtalk-app-secret-local-only-0123456789',
  robotCode: 'dingdemohuzhulocal0001',
  corpId: 'dingdemocorphuzhu',
  cardApiSecret: 'huzhu-demo-card-api-secret-local',
  cardTemplateId: 'huzhu-approval-demo.schema',
  callbackRouteKey: 'huzhu_approval',
});
