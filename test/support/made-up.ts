/**
 * Credentials of a made-up organisation, fresh per call: production is tested with these (never the demo ones), so
 * a test passing cannot depend on anything the local mode knows.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { DingtalkCredentials } from '../../src/channels/dingtalk/credentials.js';
import type { WecomCredentials } from '../../src/channels/wecom/credentials.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const alnum = (n: number) => Array.from({ length: n }, () => ALNUM[randomInt(ALNUM.length)]).join('');
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

export function madeUpWecom(): WecomCredentials {
  return {
    corpId: `ww${hex(8)}`,
    token: alnum(24),
    encodingAesKey: alnum(43),
    agentId: randomInt(1_000_000, 9_999_999),
    secret: alnum(43),
  };
}

export function madeUpDingtalk(): DingtalkCredentials {
  const appKey = `ding${hex(8)}`;
  return {
    appKey,
    appSecret: alnum(64),
    robotCode: appKey,
    corpId: `ding${hex(12)}`,
    cardApiSecret: alnum(32),
    cardTemplateId: `${hex(6)}.schema`,
    callbackRouteKey: 'huzhu_approval',
  };
}

/** the WECOM_* variables of these credentials, the API at `apiBase` */
export function wecomEnv(c: WecomCredentials, apiBase: string): Record<string, string> {
  return {
    WECOM_CORP_ID: c.corpId,
    WECOM_TOKEN: c.token,
    WECOM_ENCODING_AES_KEY: c.encodingAesKey,
    WECOM_AGENT_ID: String(c.agentId),
    WECOM_SECRET: c.secret,
    WECOM_API_BASE: apiBase,
  };
}

/** the DINGTALK_* variables of these credentials (HTTP callbacks), the API at `apiBase` */
export function dingtalkEnv(c: DingtalkCredentials, apiBase: string): Record<string, string> {
  return {
    DINGTALK_APP_KEY: c.appKey,
    DINGTALK_APP_SECRET: c.appSecret,
    DINGTALK_ROBOT_CODE: c.robotCode,
    DINGTALK_CORP_ID: c.corpId,
    DINGTALK_CARD_API_SECRET: c.cardApiSecret,
    DINGTALK_CARD_TEMPLATE_ID: c.cardTemplateId,
    DINGTALK_MODE: 'http',
    DINGTALK_API_BASE: apiBase,
    DINGTALK_OAPI_BASE: apiBase,
  };
}
