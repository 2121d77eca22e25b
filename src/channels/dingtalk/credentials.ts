/** What a DingTalk enterprise-internal app's robot is configured with: DINGTALK_* (src/config.ts, ./settings.ts). */
export interface DingtalkCredentials {
  appKey: string;
  appSecret: string;
  /** = appKey for an internal-app robot (DINGTALK.md §1, robotCode) */
  robotCode: string;
  /** the organisation the monthly OpenAPI quota is counted for */
  corpId: string;
  /** the apiSecret registered with the card callback route (x-ddpaas-signature) */
  cardApiSecret: string;
  cardTemplateId: string;
  callbackRouteKey: string;
}
