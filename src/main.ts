/**
 * `npm start`: migrate, load the demo data into an empty database (DEMO=auto), open the shared store, and serve
 * the channels. Without platform credentials each platform runs against its local API server (the embedded
 * default), so the bot can be tried in the browser emulator before anything is configured.
 */
import { platformNames } from './channels/index.js';
import { ConfigError } from './config.js';
import { ensureEmulatorBuilt } from './emulator/build.js';
import { findCjkFont } from './fonts.js';
import { openRuntime, shanghaiToday } from './runtime.js';
import { loadDemo } from './services/demo/load.js';
import { startServices } from './services-start.js';

async function main(): Promise<void> {
  const rt = await openRuntime();
  const { config, log, db } = rt;
  const font = await findCjkFont();
  if (!font)
    log.warn(
      'no CJK font found: Chinese text in ranking charts will show as boxes (Debian: apt-get install fonts-wqy-microhei)',
    );
  if (config.DEMO === 'on' || (config.DEMO === 'auto' && (await db.programme.count()) === 0)) {
    const r = await loadDemo({ db, hashKey: config.ID_HASH_KEY, today: shanghaiToday(), platforms: platformNames });
    if (r.created) log.info({ members: r.members, enrolments: r.enrolments }, 'demo data loaded');
  }
  try {
    if (await ensureEmulatorBuilt()) log.info('emulator page built into dist/emulator');
  } catch (e) {
    // the bot works without the page; /emulator then says how to build it
    log.warn({ err: e }, 'the emulator page could not be built');
  }
  const running = await startServices(rt);
  log.info({ url: running.url }, `huzhu listening on ${running.url}`);
  if ([...running.channels.values()].every((c) => c.emulator))
    log.info(`no platform configured: try the bot at http://localhost:${config.PORT}/emulator`);
  const stop = async () => {
    await running.stop();
    await rt.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e) => {
  if (e instanceof ConfigError) {
    console.error(e.message);
    process.exit(2);
  }
  console.error(e);
  process.exit(1);
});
