/**
 * Production: only the configured platforms run, with no local server, no demo credentials and no emulator
 * (nothing under src/local is imported from here; test/app/production.test.ts walks the imports). With no platform
 * configured it refuses to start. Migrations are not applied here: `huzhu db migrate` (its own one-shot step, under
 * a lock) runs before the app starts.
 */

import { platformNames } from '../channels/index.js';
import { platformCredentialKeys } from '../channels/settings.js';
import { ConfigError, configuredPlatforms } from '../config.js';
import { createLog } from '../core/log.js';
import { pendingMigrations } from '../db/pending.js';
import { findCjkFont } from '../fonts.js';
import { openRuntime, type Runtime, shanghaiToday } from '../runtime.js';
import { loadDemo } from '../services/demo/load.js';
import { type RunningApp, startServices } from './start.js';

const andList = (xs: readonly string[]) =>
  xs.length > 1 ? `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}` : xs.join('');
/** what to set, per platform, from each platform folder's descriptor */
export const NO_PLATFORM = `no platform configured: set ${platformCredentialKeys
  .map((p) => `${andList(p.required)} (${p.platform})`)
  .join(', or ')}${platformCredentialKeys.length > 1 ? ', or several' : ''}`;

/** What every server start does before serving: the font check and the demo data when asked. */
export async function prepare(rt: Runtime): Promise<void> {
  const { config, log, db } = rt;
  if (!(await findCjkFont()))
    log.warn(
      'no CJK font found: Chinese text in ranking charts will show as boxes (Debian: apt-get install fonts-wqy-microhei)',
    );
  if (config.DEMO === 'on' || (config.DEMO === 'auto' && (await db.programme.count()) === 0)) {
    const r = await loadDemo({ db, hashKey: config.ID_HASH_KEY, today: shanghaiToday(), platforms: platformNames });
    if (r.created) log.info({ members: r.members, enrolments: r.enrolments }, 'demo data loaded');
  }
}

/** Stops cleanly on SIGINT/SIGTERM. */
export function stopOnSignals(running: RunningApp, rt: Runtime): void {
  const stop = async () => {
    await running.stop();
    await rt.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Exits 2 with the message on a configuration error, 1 with the stack on anything else. */
export function exitOnError(e: unknown): never {
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(2);
  }
  // one JSON line like every other (the stack inside it), so a log collector never sees a multi-line trace
  createLog().fatal({ err: e }, 'huzhu stopped');
  process.exit(1);
}

/** Starts the production app (the configured platforms only); throws ConfigError when none is configured. */
export async function startProduction(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ running: RunningApp; rt: Runtime }> {
  const rt = await openRuntime(env, { migrate: false });
  const platforms = configuredPlatforms(rt.config);
  if (!platforms.length) {
    await rt.close();
    throw new ConfigError(NO_PLATFORM);
  }
  const pending = await pendingMigrations(rt.db, rt.config.DATABASE_URL);
  if (pending.length) {
    await rt.close();
    throw new ConfigError(
      `the database is not migrated (${pending.join(', ')} pending): run \`node dist/cli/index.js db migrate\` (npm run db:migrate) first`,
    );
  }
  await prepare(rt);
  const running = await startServices(rt);
  rt.log.info({ url: running.url, platforms }, `huzhu listening on ${running.url} (${platforms.join(', ')})`);
  return { running, rt };
}

export async function runProduction(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { running, rt } = await startProduction(env);
  stopOnSignals(running, rt);
}
