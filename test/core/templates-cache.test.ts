/**
 * Rendered texts are kept by template and variables (src/core/templates.ts, issue #17): the same variables give the
 * kept text without rendering again, other variables render anew, and variables that are not plain data (a Date) are
 * never kept, so two of them that JSON would confuse cannot share a text.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Liquid } from 'liquidjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { TemplateKey } from '../../src/core/template-keys.js';
import { Templates } from '../../src/core/templates.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-templates-'));
fs.mkdirSync(path.join(dir, 'text'));
fs.writeFileSync(path.join(dir, 'text', 'probe.liquid'), '{{ name }}：{{ fen | yuan }} 元，{{ day | date_cn }}\n');
const key = 'probe' as TemplateKey;

describe('the rendered texts kept', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renders the same variables once, other variables anew, and the texts are those of a fresh render', () => {
    const spy = vi.spyOn(Liquid.prototype, 'renderSync');
    try {
      const t = new Templates(dir);
      const a = { name: '张三', fen: 123_456, day: '2026-12-01' };
      expect(t.render(key, a)).toBe('张三：1,234.56 元，2026年12月1日');
      expect(t.render(key, { ...a })).toBe('张三：1,234.56 元，2026年12月1日');
      expect(spy).toHaveBeenCalledTimes(1);
      expect(t.render(key, { ...a, fen: 100 })).toBe('张三：1 元，2026年12月1日');
      expect(spy).toHaveBeenCalledTimes(2);
      // the same object changed is other variables
      a.name = '李四';
      expect(t.render(key, a)).toBe('李四：1,234.56 元，2026年12月1日');
      expect(spy).toHaveBeenCalledTimes(3);
      // a Date is rendered each time: its JSON is the string it is not
      const when = new Date('2026-12-01T00:00:00Z');
      const asDate = t.render(key, { ...a, day: when });
      t.render(key, { ...a, day: when });
      expect(spy).toHaveBeenCalledTimes(5);
      expect(t.render(key, { ...a, day: when.toJSON() })).not.toBe(asDate);
      expect(new Templates(dir).render(key, { ...a, day: when })).toBe(asDate);
    } finally {
      spy.mockRestore();
    }
  });

  it('variables too large to keep are rendered each time, and right', () => {
    const spy = vi.spyOn(Liquid.prototype, 'renderSync');
    try {
      const t = new Templates(dir);
      // a whole province's rows passed along: not written out as a key, not kept
      const rows = Array.from({ length: 500 }, (_, i) => ({ id: i, name: `单位${i}` }));
      const a = { name: '张三', fen: 100, day: '2026-12-01', rows };
      expect(t.render(key, a)).toBe('张三：1 元，2026年12月1日');
      expect(t.render(key, a)).toBe('张三：1 元，2026年12月1日');
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });
});
