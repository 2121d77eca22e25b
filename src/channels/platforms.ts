/**
 * Every platform the app knows, by its folder's descriptor: a new platform is a folder under src/channels and one
 * line here (and its channel factory in ./index.ts). Everything else derives from this list; the descriptors
 * import nothing but zod, so src/config.ts can read them without reaching the channels.
 */
import type { z } from 'zod';
import type { LimitsTable } from '../core/platform-limits.js';
import type { PlatformDescriptor } from './descriptor.js';
import { dingtalkPlatform } from './dingtalk/platform.js';
import { wecomPlatform } from './wecom/platform.js';

export const PLATFORMS = [wecomPlatform, dingtalkPlatform] as const satisfies readonly PlatformDescriptor[];

export type Platform = (typeof PLATFORMS)[number]['name'];

/** the platforms' names, for data that is keyed by platform (chat identities, group chats) */
export const platformNames: readonly Platform[] = PLATFORMS.map((p) => p.name);

export function isPlatform(s: string): s is Platform {
  return (platformNames as readonly string[]).includes(s);
}

export function descriptorOf(name: string): PlatformDescriptor | undefined {
  return PLATFORMS.find((p) => p.name === name);
}

/** how a person calls each platform: the roster's and the people file's account columns are `${label}账号` */
export const platformLabels: Readonly<Record<string, string>> = Object.fromEntries(
  PLATFORMS.map((p) => [p.name, p.label]),
);

/** name and label of each platform, as the roster and people files take them */
export const platformColumns: readonly { name: string; label: string }[] = PLATFORMS.map((p) => ({
  name: p.name,
  label: p.label,
}));

/** each platform's send limits, for the job runner's pacing */
export const platformLimits: LimitsTable = Object.fromEntries(PLATFORMS.map((p) => [p.name, p.limits]));

/** the same, as the configuration sets them (the descriptors' own settings, e.g. WECOM_MEMBER_PER_MINUTE) */
export function platformLimitsFor(config: Record<string, unknown>): LimitsTable {
  return Object.fromEntries(
    PLATFORMS.map((p: PlatformDescriptor) => [p.name, p.limitsFor ? p.limitsFor(config) : p.limits]),
  );
}

type Union = (typeof PLATFORMS)[number]['env']['shape'];
type Intersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** every platform's environment variables in one zod shape, for src/config.ts */
export const platformEnvShape = Object.assign({}, ...PLATFORMS.map((p) => p.env.shape)) as Intersection<Union> &
  z.ZodRawShape;
