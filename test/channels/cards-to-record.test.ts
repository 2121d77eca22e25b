/**
 * Cards the bot records once sent (core/messages.ts CardsToRecord, 待审批's cards): the pipeline sends them through
 * the transport after the replies before them, in order, and records those that went out in one call with what each
 * send returned — also when one could not be sent, and without failing the other replies when the record fails.
 * The journal keeps them as plain cards. The journey through both platforms is test/journeys/pending-cards.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createBackground } from '../../src/background.js';
import type { ChannelDeps } from '../../src/channels/channel.js';
import { reviveReplies, serializeReplies } from '../../src/channels/journal-codec.js';
import { createPipeline, type ReplyTransport } from '../../src/channels/pipeline.js';
import { loadConfig } from '../../src/config.js';
import type { Card, CardsToRecord, OutboundMessage, Reply } from '../../src/core/messages.js';
import { Templates } from '../../src/core/templates.js';
import { createMemoryStore } from '../../src/state/memory.js';
import { captureLog } from '../support/wecom/harness.js';

const card = (id: string): Card => ({ id, title: `补助申请 #${id}`, fields: [], buttons: [] });

function pipelineWith() {
  const { log, logs } = captureLog();
  const deps: ChannelDeps = {
    config: loadConfig({ NODE_ENV: 'test' }),
    store: createMemoryStore(),
    log,
    handle: async () => [],
    now: () => new Date(),
    background: createBackground(log),
  };
  const pipeline = createPipeline(deps, {
    markPrefix: 'wecom:seen:cards-test',
    dedupeTtlMs: 60_000,
    rateLimitRetries: 0,
    templates: new Templates(),
  });
  return { pipeline, logs };
}

/** a transport that answers each card with a response code, and refuses the cards in `refused` */
function transport(refused: Set<string> = new Set()) {
  const sent: string[] = [];
  const t: ReplyTransport = {
    async send(r: OutboundMessage) {
      if (r.kind === 'card' && refused.has(r.card.id)) throw new Error('the platform refused the card');
      sent.push(r.kind === 'card' ? r.card.id : r.kind === 'text' ? r.text : r.kind);
      return r.kind === 'card' ? { responseCode: `code-${r.card.id}` } : undefined;
    },
    retryAfterMs: () => undefined,
  };
  return { t, sent };
}

function cards(ids: string[], onRecord: (s: { cardId: string; responseCode?: string }[]) => Promise<void>) {
  return { kind: 'cards_to_record', cards: ids.map(card), recorded: onRecord } satisfies CardsToRecord;
}

describe('cards recorded once sent', () => {
  it('go after the text, in order, and are recorded once with each send’s response code', async () => {
    const { pipeline } = pipelineWith();
    const { t, sent } = transport();
    const records: { cardId: string; responseCode?: string }[][] = [];
    const replies: Reply[] = [
      { kind: 'text', text: '待审批 3 笔' },
      cards(['a', 'b', 'c'], async (s) => {
        records.push(s);
      }),
      { kind: 'text', text: '之后' },
    ];
    await pipeline.deliver(t, replies);
    expect(sent).toEqual(['待审批 3 笔', 'a', 'b', 'c', '之后']);
    expect(records).toEqual([
      [
        { cardId: 'a', responseCode: 'code-a' },
        { cardId: 'b', responseCode: 'code-b' },
        { cardId: 'c', responseCode: 'code-c' },
      ],
    ]);
  });

  it('a card the platform refused is not recorded; the others are, and the replies after still go', async () => {
    const { pipeline, logs } = pipelineWith();
    const { t, sent } = transport(new Set(['b']));
    const records: string[][] = [];
    await pipeline.deliver(t, [
      cards(['a', 'b', 'c'], async (s) => {
        records.push(s.map((x) => x.cardId));
      }),
      { kind: 'text', text: '之后' },
    ]);
    expect(sent).toEqual(['a', 'c', '之后']);
    expect(records).toEqual([['a', 'c']]);
    expect(logs.some((l) => l.msg === 'reply could not be sent')).toBe(true);
  });

  it('a record that fails is logged; nothing else is held', async () => {
    const { pipeline, logs } = pipelineWith();
    const { t, sent } = transport();
    await pipeline.deliver(t, [
      cards(['a'], async () => {
        throw new Error('the database is away');
      }),
      { kind: 'text', text: '之后' },
    ]);
    expect(sent).toEqual(['a', '之后']);
    expect(logs.some((l) => l.msg === 'sent cards not recorded')).toBe(true);
  });

  it('nothing went out: nothing to record', async () => {
    const { pipeline } = pipelineWith();
    const { t } = transport(new Set(['a']));
    let called = 0;
    await pipeline.deliver(t, [
      cards(['a'], async () => {
        called++;
      }),
    ]);
    expect(called).toBe(0);
  });

  it('the journal keeps them as plain cards', () => {
    const back = reviveReplies(
      serializeReplies([{ kind: 'text', text: '待审批 2 笔' }, cards(['a', 'b'], async () => {})]),
    );
    expect(back).toEqual([
      { kind: 'text', text: '待审批 2 笔' },
      { kind: 'card', card: card('a') },
      { kind: 'card', card: card('b') },
    ]);
  });
});
