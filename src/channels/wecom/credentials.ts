/** What a WeCom self-built app (自建应用) is configured with: WECOM_* (src/config.ts). */
export interface WecomCredentials {
  corpId: string;
  token: string;
  /** 43 characters [A-Za-z0-9] */
  encodingAesKey: string;
  agentId: number;
  secret: string;
}
