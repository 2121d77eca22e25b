import { describe, expect, it } from 'vitest';
import { describeErrors, RowErrorList } from '../../../src/services/roster/errors.js';

describe('RowErrorList: the first errors in row order, and the total', () => {
  it('keeps the lowest rows whatever order they arrive in, ties in the order found', () => {
    const list = new RowErrorList(3);
    // a chunk's own errors, then the database's checks of the same chunk (lower rows, later)
    list.add(7, 'g');
    list.add(9, 'i');
    list.add(4, 'd1');
    list.add(12, 'l');
    list.add(4, 'd2');
    list.add(2, 'b');
    expect(list.total).toBe(6);
    expect(list.list()).toEqual([
      { line: 2, message: 'b' },
      { line: 4, message: 'd1' },
      { line: 4, message: 'd2' },
    ]);
  });

  it('says the total when only the first are kept', () => {
    const list = new RowErrorList(150);
    for (let line = 2; line < 1_002; line++) list.add(line, '交费金额应为 100');
    const text = describeErrors(list.list(), list.total);
    expect(text[0]).toBe('名册有 1000 处错误，未写入任何数据：');
    expect(text.at(-1)).toMatch(/另有 900 处未列出（共 1000 处）/);
  });
});
