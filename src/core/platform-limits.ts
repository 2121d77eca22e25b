/**
 * The shape of what a platform accepts (its send rates and longest message): each platform folder states its own
 * (src/channels/<platform>/platform.ts), the job runner paces by them (src/jobs/limits.ts). Neutral, so both sides
 * can name it without importing each other.
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
  /**
   * messages to one member (each window its own limit), where the platform documents such a limit: a message to
   * several members waits until every one of them has room. Absent: the platform documents none.
   */
  perMember?: readonly RateLimit[];
  /** longest markdown or text message, UTF-8 bytes */
  textBytes: number;
}

export type LimitsTable = Record<string, PlatformLimits>;
