/**
 * The local mode's composition: every platform against its local API server with the demo credentials (as if they
 * were configured), the browser emulator at /emulator, and the demo group chats made known to the local servers.
 * `npm start` on a fresh clone (./main.ts), the tests and the benchmarks start the app through here; production
 * (src/app/main.ts) never imports this folder.
 */

import { type AppExtension, type AppParts, type RunningApp, type StartOptions, startServices } from '../app/start.js';
import type { Channel, ChannelFactory } from '../channels/channel.js';
import type { Runtime } from '../runtime.js';
import { registerLocalGroups } from '../services/local-groups.js';
import { createLocalDingtalkChannel, type LocalDingtalkChannel } from './dingtalk/channel.js';
import type { EmulatorAdapter } from './emulator/adapter.js';
import { createEmulatorRouter } from './emulator/router.js';
import { createLocalWecomChannel, type LocalWecomChannel } from './wecom/channel.js';

/** every platform's local channel, by platform name */
export const localChannelFactoryOf: Readonly<Record<string, ChannelFactory>> = {
  wecom: (deps) => createLocalWecomChannel(deps),
  dingtalk: (deps) => createLocalDingtalkChannel(deps),
};

export const localChannelFactories: ChannelFactory[] = Object.values(localChannelFactoryOf);

/** a channel of the local mode: the production channel with its local server and emulator adapter */
export type LocalChannel = Channel & {
  localServer?: LocalWecomChannel['localServer'] | LocalDingtalkChannel['localServer'];
  emulator?: EmulatorAdapter;
};

export interface LocalStartOptions extends StartOptions {
  /** serve the browser emulator at /emulator (default true) */
  emulator?: boolean;
}

/** the emulator adapters of the channels that run against a local server */
export function emulatorAdapters(channels: ReadonlyMap<string, Channel>): Map<string, EmulatorAdapter> {
  const adapters = new Map<string, EmulatorAdapter>();
  for (const [platform, ch] of channels) {
    const em = (ch as LocalChannel).emulator;
    if (em) adapters.set(platform, em);
  }
  return adapters;
}

export async function startLocalServices(rt: Runtime, opts: LocalStartOptions = {}): Promise<RunningApp> {
  if (rt.config.NODE_ENV === 'production')
    // the emulator acts as anyone and the demo credentials are public
    throw new Error('the local mode does not run with NODE_ENV=production');
  const { emulator = true, extend, ...rest } = opts;
  return startServices(rt, {
    channels: localChannelFactories,
    ...rest,
    async extend(parts: AppParts): Promise<AppExtension> {
      const adapters = emulatorAdapters(parts.channels);
      const own = extend ? await extend(parts) : {};
      const routers = [...(own.routers ?? [])];
      if (emulator)
        routers.push(
          createEmulatorRouter({
            db: parts.db,
            adapters,
            clock: parts.clock,
            background: parts.background,
            log: parts.log,
            runSchedulesNow: async () => {
              await parts.jobs.enqueue('ranking.daily', {});
              await parts.jobs.enqueue('deadlines.daily', {});
              await parts.jobs.idle();
            },
          }),
        );
      return {
        routers,
        async started(url) {
          await registerLocalGroups(
            parts.db,
            [...adapters].flatMap(([platform, a]) =>
              a.ensureGroup ? [{ platform, ensureGroup: a.ensureGroup.bind(a) }] : [],
            ),
          );
          await own.started?.(url);
        },
        stop: own.stop,
      };
    },
  });
}
