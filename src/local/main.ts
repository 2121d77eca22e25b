/**
 * `npm start`. With no platform configured (and NODE_ENV not production), or with HUZHU_LOCAL=1, it runs the local
 * mode: migrations, the demo data into an empty database, every platform against its local API server with demo
 * credentials, and the browser emulator at /emulator, so the bot can be tried before anything is configured.
 * Otherwise it migrates and runs exactly what production runs (src/app/main.ts): the configured platforms only.
 */
import { exitOnError, prepare, runProduction, stopOnSignals } from '../app/production.js';
import { ConfigError, configuredPlatforms, loadConfig } from '../config.js';
import { openRuntime } from '../runtime.js';
import { ensureEmulatorBuilt } from './emulator/build.js';
import { startLocalServices } from './start-local.js';

async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  const local =
    config.HUZHU_LOCAL === '1' ||
    (config.HUZHU_LOCAL === undefined && config.NODE_ENV !== 'production' && !configuredPlatforms(config).length);
  if (local && config.NODE_ENV === 'production')
    throw new ConfigError(
      'invalid configuration:\n  HUZHU_LOCAL: the local mode (demo credentials, the emulator acts as anyone) never runs with NODE_ENV=production',
    );
  if (!local) {
    // the same process as production; `npm start` keeps applying migrations for convenience
    await (await openRuntime(env)).close();
    return runProduction(env);
  }
  const rt = await openRuntime(env);
  const { config: c, log } = rt;
  log.info(
    configuredPlatforms(c).length
      ? 'local mode (HUZHU_LOCAL=1): the configured credentials are ignored; every platform runs against its local server with demo credentials'
      : 'local mode: no platform configured, so every platform runs against its local server with demo credentials (configure WECOM_* or DINGTALK_* for the real ones; see README "Deploying")',
  );
  await prepare(rt);
  try {
    if (await ensureEmulatorBuilt()) log.info('emulator page built into dist/emulator');
  } catch (e) {
    // the bot works without the page; /emulator then says how to build it
    log.warn({ err: e }, 'the emulator page could not be built');
  }
  const running = await startLocalServices(rt);
  log.info({ url: running.url }, `huzhu listening on ${running.url}`);
  log.info(`local mode: try the bot at http://localhost:${c.PORT}/emulator`);
  stopOnSignals(running, rt);
}

main().catch(exitOnError);
