import { describe, expect, it } from 'vitest';
import { splitMarkdown } from '../../../src/services/broadcasts/split.js';

describe('splitMarkdown: group tables cut to the platform limit (WECOM.md §6: markdown 2048 bytes)', () => {
  const table = [
    '**第二期医疗互助工作进度表**',
    ...Array.from({ length: 3 }, (_, c) => [
      `**分类${c}**（按完成数占会员总数比例排序）`,
      ...Array.from({ length: 40 }, (_, i) => `${i + 1}．海南省某某县总工会${i}｜1000｜2000｜44%`),
    ]).flat(),
  ].join('\n');

  it('keeps every line whole, in order, each part within the limit', () => {
    const parts = splitMarkdown(table, 2048);
    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(2048);
    expect(parts.join('\n')).toBe(table);
  });

  it('starts a part with a heading rather than leaving it at the end of the previous one', () => {
    for (const p of splitMarkdown(table, 2048)) expect(p.split('\n').at(-1)).not.toMatch(/^\*\*/);
  });

  it('cuts a single line longer than the limit without breaking a character', () => {
    const parts = splitMarkdown('通'.repeat(1000), 2048);
    expect(parts.join('')).toBe('通'.repeat(1000));
    for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(2048);
  });
});
