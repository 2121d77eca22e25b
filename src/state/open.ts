import type { Log } from '../core/log.js';
import { createMemoryStore } from './memory.js';
import { createRedisStore } from './redis.js';
import type { KeyValueStore } from './store.js';

/** Redis when REDIS_URL is set; otherwise process memory, said once in the log. */
export async function openStore(redisUrl: string | undefined, log: Log, prefix = 'huzhu'): Promise<KeyValueStore> {
  if (!redisUrl) {
    log.info(
      'REDIS_URL is not set: conversation state, dedupe and the job queue live in this process (one instance only)',
    );
    return createMemoryStore();
  }
  const store = createRedisStore(redisUrl, { prefix: `${prefix}:` });
  await store.redis.ping();
  return store;
}
