/**
 * The pipeline's side of the inbound journal (src/channels/pipeline.ts, journal-worker.ts): two "processes" (two
 * pipelines of one platform over one store and one journal) — the first acknowledges messages and dies before
 * their turns ran (its lease lapses), the second takes them over. Checked: every message is handled once, in each
 * sender's order, through the replay transport; a message whose turn committed before the crash has its kept replies
 * sent and is not handled again; a message whose mark another delivery holds is not handled; a file message (whose
 * download cannot be kept) is answered busy; the journal is empty afterwards and nothing is a dead letter.
 * The real-process kill -9 through signed callbacks is test/faults/kill-inbound.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createBackground } from '../../src/background.js';
import type { Admission } from '../../src/channels/admission.js';
import type { ChannelDeps } from '../../src/channels/channel.js';
import { createInboundRecovery } from '../../src/channels/journal-worker.js';
import { createPipeline, type ReplyTransport } from '../../src/channels/pipeline.js';
import { loadConfig } from '../../src/config.js';
import type { InboundMessage, OutboundMessage, Reply } from '../../src/core/messages.js';
import { Templates } from '../../src/core/templates.js';
import { OWNER_LEASE_MS } from '../../src/state/inbound-journal.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { createMemoryJournal, memoryJournalBackend } from '../../src/state/memory-journal.js';
import { captureLog } from '../support/wecom/harness.js';

const PREFIX = 'wecom:seen:replay-test';
const templates = new Templates();
const BUSY = templates.render('system_busy');

const text = (userId: string, t: string, id: string): InboundMessage => ({
  platform: 'wecom',
  userId,
  dedupeKey: id,
  receivedAt: new Date(),
  kind: 'text',
  text: t,
});

function world() {
  const store = createMemoryStore();
  const backend = memoryJournalBackend();
  let now = Date.now();
  const clock = () => now;
  /** what each user was sent, through any transport */
  const sent = new Map<string, string[]>();
  const transport = (msg: InboundMessage): ReplyTransport => ({
    async send(r: OutboundMessage) {
      const list = sent.get(msg.userId) ?? [];
      list.push(r.kind === 'text' ? r.text : r.kind);
      sent.set(msg.userId, list);
      return undefined;
    },
    retryAfterMs: () => undefined,
  });
  const process = (handle: (m: InboundMessage) => Promise<Reply[]>, admission?: Admission) => {
    const { log, logs } = captureLog();
    const background = createBackground(log);
    const journal = createMemoryJournal(store, backend, clock);
    const recovery = createInboundRecovery(journal, log, background);
    const deps: ChannelDeps = {
      config: loadConfig({ NODE_ENV: 'test' }),
      store,
      log,
      handle,
      now: () => new Date(),
      background,
      recovery,
      ...(admission ? { admission } : {}),
    };
    const pipeline = createPipeline(deps, {
      markPrefix: PREFIX,
      dedupeTtlMs: 3_600_000,
      rateLimitRetries: 0,
      templates,
      replayTransport: transport,
    });
    return { pipeline, journal, recovery, logs };
  };
  /** the process's lease lapses: it died (the others' leases are renewed, as their timers do) */
  const die = async (p: { journal: { owner: string; close(): Promise<void> } }) => {
    await p.journal.close();
    now += OWNER_LEASE_MS + 1;
    for (const o of backend.leases.keys()) if (o !== p.journal.owner) backend.leases.set(o, now + OWNER_LEASE_MS);
  };
  return { store, backend, sent, transport, process, die };
}

/** every slot taken for good: messages wait in the process's memory (and hold no per-user lock), acknowledged */
const full: Admission = {
  run: () => new Promise(() => {}),
  expectedWaitMs: () => 60_000,
  load: () => ({ waiting: 0, running: 32, allowed: 32 }),
};

describe('a dead process’s acknowledged messages, taken over by another', () => {
  it('each handled once, in each sender’s order; the journal empties', async () => {
    const w = world();
    const a = w.process(async () => [], full);
    // acknowledged (journaled) and waiting: A's bot never gets through any of them
    const order = [
      ['alice', '1'],
      ['bob', '1'],
      ['alice', '2'],
      ['carol', '1'],
      ['bob', '2'],
      ['alice', '3'],
    ] as const;
    for (const [u, n] of order) await a.pipeline.admit(text(u, n, `${u}-${n}`), w.transport(text(u, n, '')));
    expect(w.backend.entries.size).toBe(order.length);
    await w.die(a);

    const handled: string[] = [];
    const b = w.process(async (m) => {
      handled.push(`${m.userId}:${m.kind === 'text' ? m.text : m.kind}`);
      // a turn that yields, as a real one does: the order must not depend on every turn being instant
      await new Promise((r) => setImmediate(r));
      return [{ kind: 'text', text: `echo ${m.kind === 'text' ? m.text : ''}` }];
    });
    expect(await b.recovery.sweep()).toBe(order.length);
    expect(w.sent.get('alice')).toEqual(['echo 1', 'echo 2', 'echo 3']);
    expect(w.sent.get('bob')).toEqual(['echo 1', 'echo 2']);
    expect(w.sent.get('carol')).toEqual(['echo 1']);
    expect(handled.sort()).toEqual(order.map(([u, n]) => `${u}:${n}`).sort());
    expect(w.backend.entries.size).toBe(0);
    expect(w.backend.dead.size).toBe(0);
    // a platform's retry of one of them is a duplicate now
    const again = await b.pipeline.receive(text('alice', '1', 'alice-1'), w.transport(text('alice', '', '')));
    expect(again.kind).toBe('duplicate');
    // and a second pass finds nothing
    expect(await b.recovery.sweep()).toBe(0);
  });

  it('a turn that committed before the crash: its kept replies are sent, it is not handled again', async () => {
    const w = world();
    let release!: () => void;
    const sending = new Promise<void>((r) => (release = r));
    const a = w.process(async (m) => [{ kind: 'text', text: `已受理 ${m.kind === 'text' ? m.text : ''}` }]);
    // A's transport hangs: the turn committed (replies kept in the entry), the reply never left
    const hanging: ReplyTransport = { send: () => sending.then(() => undefined), retryAfterMs: () => undefined };
    const { outcome } = await a.pipeline.admit(text('dora', '确认', 'dora-1'), hanging);
    await new Promise<void>((resolve) => {
      const check = () => {
        const e = w.backend.entries.get(`${PREFIX}:dora-1`);
        if (e?.replies) resolve();
        else setImmediate(check);
      };
      check();
    });
    expect(await w.store.get(`${PREFIX}:dora-1`)).toBe('done');
    await w.die(a);

    let handledAgain = 0;
    const b = w.process(async () => {
      handledAgain++;
      return [];
    });
    expect(await b.recovery.sweep()).toBe(1);
    expect(handledAgain).toBe(0);
    expect(w.sent.get('dora')).toEqual(['已受理 确认']);
    expect(w.backend.entries.size).toBe(0);
    release();
    await outcome;
  });

  it('a mark another delivery holds is not handled; a file message is answered busy; nothing is dead', async () => {
    const w = world();
    const a = w.process(async () => [], full);
    await a.pipeline.admit(text('erin', '你好', 'erin-1'), w.transport(text('erin', '', '')));
    const file: InboundMessage = {
      platform: 'wecom',
      userId: 'fay',
      dedupeKey: 'fay-1',
      receivedAt: new Date(),
      kind: 'file',
      name: '名册.xlsx',
      fetchFile: async () => ({ bytes: Buffer.from('x') }),
    };
    await a.pipeline.admit(file, w.transport(file));
    // erin's mark expired and another delivery set it since (not this delivery's any more)
    await w.store.set(`${PREFIX}:erin-1`, 'handling:someone-else', 60_000);
    await w.die(a);

    const handled: string[] = [];
    const b = w.process(async (m) => {
      handled.push(m.userId);
      // the bot downloads the file: after a restart the download is gone, so the turn fails
      if (m.kind === 'file') await m.fetchFile(1_000);
      return [{ kind: 'text', text: 'ok' }];
    });
    expect(await b.recovery.sweep()).toBe(2);
    expect(handled).toEqual(['fay']);
    expect(w.sent.get('erin')).toBeUndefined();
    expect(w.sent.get('fay')).toEqual([BUSY]);
    expect(w.backend.entries.size).toBe(0);
    expect(w.backend.dead.size).toBe(0);
    expect(b.logs.some((l) => String(l.msg).includes('another delivery'))).toBe(true);
  });
});
