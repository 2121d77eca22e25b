/**
 * The platform drivers the journey suites run on: one per channel under src/channels.
 */
import type { RunningApp } from '../../../src/app/start.js';
import type { PlatformDriver } from '../driver.js';
import { dingtalkDriver } from './dingtalk.js';
import { wecomDriver } from './wecom.js';

const drivers: Record<string, (app: RunningApp) => PlatformDriver> = {
  wecom: wecomDriver,
  dingtalk: (app) => dingtalkDriver(app),
};

export const platformsUnderTest = Object.keys(drivers);

export function driverFor(platform: string, app: RunningApp): PlatformDriver {
  const make = drivers[platform];
  if (!make) throw new Error(`no driver for ${platform}`);
  return make(app);
}
