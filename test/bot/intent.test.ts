import { describe, expect, it } from 'vitest';
import { classify, INTENTS, type Intent, parseIntent, type Slots } from '../../src/bot/intent.js';
import { MAX_SLOT_SCAN } from '../../src/bot/normalise.js';
import fixture from '../fixtures/utterances.json' with { type: 'json' };

interface Utterance {
  text: string;
  intent: Intent;
  slots?: Slots;
  batch?: string;
}

const now = new Date(fixture.now);
const utterances = fixture.utterances as Utterance[];

describe('labelled utterance set', () => {
  it('is large and uses only known intents', () => {
    expect(utterances.length).toBeGreaterThanOrEqual(250);
    for (const u of utterances) expect(INTENTS).toContain(u.intent);
    const texts = new Set(utterances.map((u) => u.text));
    expect(texts.size).toBe(utterances.length);
  });

  it('classifies at least 95 % of the set correctly', () => {
    const wrong: string[] = [];
    for (const u of utterances) {
      const got = parseIntent(u.text, { now }).intent;
      if (got !== u.intent) wrong.push(`${JSON.stringify(u.text)}: expected ${u.intent}, got ${got}`);
    }
    const accuracy = 1 - wrong.length / utterances.length;
    console.log(
      `intent accuracy ${(accuracy * 100).toFixed(1)} % (${utterances.length - wrong.length}/${utterances.length})` +
        (wrong.length ? `\nmisclassified:\n  ${wrong.join('\n  ')}` : ''),
    );
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
  });

  const withSlots = utterances.filter((u) => u.slots);
  it.each(withSlots.map((u) => [u.text, u.slots] as const))('slots of %j', (text, expected) => {
    const { slots } = parseIntent(text, { now });
    for (const [key, value] of Object.entries(expected ?? {})) {
      if (key === 'amounts') expect(slots.amounts ?? [], key).toEqual(value);
      else expect(slots[key as keyof Slots], key).toEqual(value);
    }
  });
});

describe('parseIntent', () => {
  it('treats answers (numbers, yes, dates) as no intent, and ok / 好的 as thanks (issue #16)', () => {
    for (const t of ['是', '确认', '12000', '3月5日', '1']) expect(classify(t), t).toBe('unknown');
    for (const t of ['好的', 'ok', '谢谢', '👍']) expect(classify(t), t).toBe('thanks');
  });

  it('keeps ranking 进度 apart from the progress of my claim', () => {
    expect(classify('进度')).toBe('ranking');
    expect(classify('我的补助进度')).toBe('claim_status');
    expect(classify('报名进度')).toBe('ranking');
    expect(classify('我们单位排第几')).toBe('unit_progress');
  });

  it('normalises full-width, traditional characters, emoji and spacing', () => {
    expect(classify('ＨＥＬＰ')).toBe('help');
    expect(classify('我參保了嗎')).toBe('status');
    expect(classify('排 名 📊！')).toBe('ranking');
    expect(classify('？')).toBe('help');
  });

  it('cuts the announcement text from the original message', () => {
    expect(parseIntent('發佈通知：請大家盡快報名 ').slots.announceText).toBe('請大家盡快報名');
    expect(parseIntent('发布通知\n第一行\n第二行').slots.announceText).toBe('第一行\n第二行');
    expect(parseIntent('发布通知').slots.announceText).toBeUndefined();
    // an announcement's dates and amounts are not slots of the command
    expect(parseIntent('发布通知 12月20日前交120元').slots).toEqual({ announceText: '12月20日前交120元' });
  });

  it('reads claim numbers and does not take them for dates or money', () => {
    expect(parseIntent('#12 到哪了', { now }).slots).toEqual({ claimRef: '12' });
    expect(parseIntent('12号申请进度', { now }).slots).toEqual({ claimRef: '12' });
  });

  it('flags a negative amount instead of turning it into a positive one', () => {
    const { slots } = parseIntent('-500', { now });
    expect(slots.amountFen).toBeUndefined();
    expect(slots.negativeAmount).toBe(true);
  });

  // Bounded work, not a stopwatch (timings belong in npm run bench): a 5 000-character message is read only up to
  // MAX_INTENT_SCAN for its intent and MAX_SLOT_SCAN for its slots, so it parses as its own first 600 characters.
  it('reads only the start of a 5 000-character message', () => {
    const long = `${'我想问一下'.repeat(1000)}排名`;
    const dated = '3月5日住院花了12000元'.repeat(400);
    for (const t of [long, dated]) {
      const a = parseIntent(t, { now });
      const b = parseIntent(t.slice(0, MAX_SLOT_SCAN), { now });
      expect(a.intent).toBe(b.intent);
      expect(a.slots).toEqual(b.slots);
    }
    expect(parseIntent('x'.repeat(5000)).intent).toBe('unknown');
  });
});
