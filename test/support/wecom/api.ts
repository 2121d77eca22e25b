/** A WeCom API client and sender against a fresh local WeCom server, for the client and sender tests. */
import { WecomApi } from '../../../src/channels/wecom/api-client.js';
import { createRobotClient } from '../../../src/channels/wecom/robot.js';
import { createWecomSender } from '../../../src/channels/wecom/sender.js';
import { LocalWecomServer, type LocalWecomServerOptions } from '../../../src/local/wecom/local-server.js';
import { createMemoryStore } from '../../../src/state/memory.js';
import type { KeyValueStore } from '../../../src/state/store.js';
import { captureLog } from './harness.js';

export async function startApi(
  opts: { store?: KeyValueStore; server?: LocalWecomServerOptions; rateLimitBlockMs?: number } = {},
) {
  const server = await LocalWecomServer.start(opts.server);
  const store = opts.store ?? createMemoryStore();
  const { log, logs } = captureLog();
  const common = { store, log, retry: { baseDelayMs: 5 }, rateLimitBlockMs: opts.rateLimitBlockMs ?? 60_000 };
  const api = new WecomApi({ base: server.url, creds: server.creds, ...common });
  const sender = createWecomSender(api, { publicUrl: 'https://huzhu.example.org/' });
  const robot = createRobotClient({ base: server.url, ...common });
  return {
    server,
    store,
    api,
    sender,
    robot,
    logs,
    gettokens: () => server.requests('/cgi-bin/gettoken').length,
    async stop() {
      await server.close();
      if (!opts.store) await store.close();
    },
  };
}
