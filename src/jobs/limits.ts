/**
 * What each platform accepts comes from its folder's descriptor (src/channels/<platform>/platform.ts), handed to
 * the runner as JobDeps.limits by the app (src/app/start.ts). A platform not in the table gets the most careful
 * values.
 */
import type { LimitsTable, PlatformLimits } from '../core/platform-limits.js';

export type { LimitsTable, PlatformLimits, RateLimit } from '../core/platform-limits.js';

const CAREFUL: PlatformLimits = {
  perPlatform: { limit: 10, windowMs: 1_000 },
  perRobot: { limit: 20, windowMs: 60_000 },
  textBytes: 2048,
};

export function limitsFor(table: LimitsTable | undefined, platform: string): PlatformLimits {
  return table?.[platform] ?? CAREFUL;
}
