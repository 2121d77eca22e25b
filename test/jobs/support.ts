/** Shared set-up of the job tests: the demo data of seed 000 at a small scale, a frozen clock, recording senders. */

import { createBackground } from '../../src/background.js';
import type { ChannelDeps } from '../../src/channels/channel.js';
import { platformLimits } from '../../src/channels/platforms.js';
import { loadConfig } from '../../src/config.js';
import { createLog, type Log } from '../../src/core/log.js';
import type { OutboundMessage, Recipient } from '../../src/core/messages.js';
import { InvariantError } from '../../src/core/must.js';
import { Outbox, type PlatformSender } from '../../src/core/outbox.js';
import { Templates } from '../../src/core/templates.js';
import type { Provider } from '../../src/db/client.js';
import type { JobDeps } from '../../src/jobs/types.js';
import { loadDemo } from '../../src/services/demo/load.js';
import { createMemoryStore } from '../../src/state/memory.js';
import type { KeyValueStore } from '../../src/state/store.js';
import { freshDb, type TestDb } from '../support/db.js';

export const NOTICE_DAY = '2017-03-20';
/** seed 000's date at the policy's push time (09:00 Asia/Shanghai) */
export const PUSH_TIME = new Date('2017-03-20T09:00:00+08:00');

export interface Sent {
  platform: string;
  to: Recipient;
  msg: OutboundMessage;
  at: number;
}

export class RecordingSender implements PlatformSender {
  readonly sent: Sent[] = [];
  /** throw this for the next n sends */
  failures: { n: number; error: () => Error } | null = null;
  constructor(readonly platform: string) {}
  async send(to: Recipient, msg: OutboundMessage) {
    if (this.failures && this.failures.n > 0) {
      this.failures.n--;
      throw this.failures.error();
    }
    this.sent.push({ platform: this.platform, to, msg, at: Date.now() });
    return {};
  }
  async updateCard() {}
}

export async function demoDb(
  provider: Provider,
  scale = 1000,
  platforms: string[] = ['wecom'],
): Promise<TestDb & { periodId: number }> {
  const t = await freshDb(provider);
  const r = await loadDemo({
    db: t.db,
    hashKey: 'test-id-hash-key-0123456789',
    scale,
    today: NOTICE_DAY,
    platforms,
  });
  return { ...t, periodId: r.periodId };
}

export function jobDeps(
  t: TestDb,
  o: { outbox?: Outbox; store?: KeyValueStore; now?: Date; limits?: JobDeps['limits'] } = {},
): JobDeps {
  const now = o.now ?? PUSH_TIME;
  return {
    db: t.db,
    store: o.store ?? createMemoryStore(),
    log: createLog('silent'),
    templates: new Templates(),
    ...(o.outbox ? { outbox: o.outbox } : {}),
    now: () => now,
    limits: o.limits ?? platformLimits,
  };
}

/** a channel's deps for the queue's tests: nobody writes in (no bot), the clock frozen at the push time */
export function channelDeps(store: KeyValueStore, log: Log): ChannelDeps {
  return {
    config: loadConfig({}),
    store,
    log,
    handle: async () => [],
    now: () => PUSH_TIME,
    background: createBackground(log),
  };
}

export function outboxWith(...senders: RecordingSender[]): Outbox {
  const o = new Outbox();
  for (const s of senders) o.register(s.platform, s);
  return o;
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The text of a reply or a sent message; a missing one (`replies[0]` of none) fails here, by name. */
export function textOf(m: OutboundMessage | undefined): string {
  if (!m) throw new InvariantError('textOf: there is no such message');
  return m.kind === 'text' || m.kind === 'markdown' ? m.text : '';
}
