/**
 * The clarifying question's pieces (issue #16): which choices an unsure parse offers, how a reply picks one, and
 * that the stored question is read back through zod (a corrupt or foreign value is ignored, never trusted).
 */
import { describe, expect, it } from 'vitest';
import type { ParsedIntent } from '../../src/bot/intent.js';
import { choicesFor, pickedChoice, readClarify, writeClarify } from '../../src/bot/nlu/clarify.js';
import { countedFen, stayAmounts } from '../../src/bot/slots/claim-amounts.js';
import { createMemoryStore } from '../../src/state/memory.js';

const unsure = (over: Partial<ParsedIntent>): ParsedIntent => ({
  intent: 'enrol',
  slots: {},
  confidence: 0.4,
  alternatives: [
    { intent: 'status', p: 0.35 },
    { intent: 'thanks', p: 0.15 },
    { intent: 'claim', p: 0.05 },
  ],
  by: 'model',
  ...over,
});

describe('choicesFor', () => {
  it('offers the likely intents a person can ask for, best first', () => {
    expect(choicesFor(unsure({}))).toEqual(['enrol', 'status']);
  });
  it('asks nothing when the parse is sure or came from a rule', () => {
    expect(choicesFor(unsure({ confidence: 0.9 }))).toEqual([]);
    expect(choicesFor(unsure({ by: 'rule' }))).toEqual([]);
  });
});

describe('pickedChoice', () => {
  it('reads 1, a full-width ２, 第二个, 选3', () => {
    expect(pickedChoice('1', 2)).toBe(0);
    expect(pickedChoice('２', 2)).toBe(1);
    expect(pickedChoice('第二个', 3)).toBe(1);
    expect(pickedChoice('选3', 3)).toBe(2);
  });
  it('is not a choice when out of range or not a number', () => {
    expect(pickedChoice('3', 2)).toBeNull();
    expect(pickedChoice('12000', 3)).toBeNull();
    expect(pickedChoice('我参加了吗', 3)).toBeNull();
  });
});

describe('the stored question', () => {
  it('round-trips, and a corrupt or foreign value reads as nothing', async () => {
    const store = createMemoryStore();
    await writeClarify(store, 'wecom', 'u1', { options: ['status', 'enrol'], text: '参加' });
    expect(await readClarify(store, 'wecom', 'u1')).toEqual({ options: ['status', 'enrol'], text: '参加' });
    await store.set('clarify:wecom:u1', '{"options":["drop_tables"],"text":1}');
    expect(await readClarify(store, 'wecom', 'u1')).toBeNull();
    await store.set('clarify:wecom:u1', 'not json');
    expect(await readClarify(store, 'wecom', 'u1')).toBeNull();
    await writeClarify(store, 'wecom', 'u1', null);
    expect(await store.get('clarify:wecom:u1')).toBeNull();
  });
});

describe('the amount an estimate counts', () => {
  const counted = (t: string) => {
    const a = stayAmounts(t);
    return a && countedFen(a);
  };
  it('takes the self-paid part when told, total less basic insurance, or the one amount given', () => {
    expect(counted('自付8000能报多少')).toBe(800_000);
    expect(counted('总共花了3万医保报了1万5，互助能给多少')).toBe(1_500_000);
    expect(counted('花了2.5万自费1.3万补多少')).toBe(1_300_000);
    expect(counted('能报多少')).toBeUndefined();
  });
});
