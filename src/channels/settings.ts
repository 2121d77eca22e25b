/**
 * Settings a channel reads beyond the common ones: src/config.ts validates them at start, so a bad value stops the
 * process naming the variable. Each comes from its platform folder's descriptor (src/channels/platforms.ts).
 *
 * Which variables make a platform configured: a platform runs when all its `required` credentials are set, and
 * not at all when none of `required` and `optional` is set; anything in between stops the process naming what is
 * missing (src/config.ts).
 */
import type { z } from 'zod';
import { PLATFORMS } from './platforms.js';

export const channelSettingsSchemas: z.ZodObject[] = PLATFORMS.flatMap((p) => ('settings' in p ? [p.settings] : []));

export interface PlatformCredentialKeys {
  platform: string;
  required: readonly string[];
  /** meaningful only with the required ones (set alone, they are a partial configuration) */
  optional: readonly string[];
}

export const platformCredentialKeys: readonly PlatformCredentialKeys[] = PLATFORMS.map((p) => ({
  platform: p.name,
  ...p.credentials,
}));
