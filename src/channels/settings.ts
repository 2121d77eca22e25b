/**
 * Settings a channel reads beyond the common ones: src/config.ts validates them at start, so a bad value stops the
 * process naming the variable. (Each schema module imports nothing but zod.)
 */
import type { z } from 'zod';
import { DingtalkSettingsSchema } from './dingtalk/settings.js';

export const channelSettingsSchemas: z.ZodObject[] = [DingtalkSettingsSchema];
