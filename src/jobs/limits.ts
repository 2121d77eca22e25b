/**
 * What each platform accepts, from /work/shared/platforms: a WeCom group robot takes 20 messages a minute (doc
 * 91770) and answers 45009 beyond; app markdown is cut at 2048 bytes (robot 4096: we keep to the smaller);
 * DingTalk allows 20 QPS per app and API and 20 messages a minute per robot. A platform not listed gets the
 * most careful values.
 */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface PlatformLimits {
  /** every send on the platform (one app) */
  perPlatform: RateLimit;
  /** sends into one group chat (its robot) */
  perRobot: RateLimit;
  /** longest markdown or text message, UTF-8 bytes */
  textBytes: number;
}

export type LimitsTable = Record<string, PlatformLimits>;

const CAREFUL: PlatformLimits = {
  perPlatform: { limit: 10, windowMs: 1_000 },
  perRobot: { limit: 20, windowMs: 60_000 },
  textBytes: 2048,
};

export const DEFAULT_LIMITS: LimitsTable = {
  wecom: { perPlatform: { limit: 3000, windowMs: 60_000 }, perRobot: { limit: 20, windowMs: 60_000 }, textBytes: 2048 },
  dingtalk: { perPlatform: { limit: 20, windowMs: 1_000 }, perRobot: { limit: 20, windowMs: 60_000 }, textBytes: 4000 },
};

export function limitsFor(table: LimitsTable | undefined, platform: string): PlatformLimits {
  return table?.[platform] ?? DEFAULT_LIMITS[platform] ?? CAREFUL;
}
