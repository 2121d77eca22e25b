/**
 * A union office's roster is Chinese text: reading a large XLSX must keep every character. (exceljs's streaming
 * reader decoded each chunk on its own and broke characters that straddled two chunks; patches/ fixes it.)
 */
import { describe, expect, it } from 'vitest';
import { platformColumns } from '../../../src/channels/platforms.js';
import { must } from '../../../src/core/must.js';
import { readRoster } from '../../../src/services/roster/read.js';
import { person, writeXlsx } from '../../support/roster-files.js';

describe('reading a roster XLSX', () => {
  it('keeps every Chinese character of 20 000 rows intact (seed 003 参互人员名册)', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => person(i, i % 3 ? 100 : '未参'));
    const file = await writeXlsx(rows);
    let n = 0;
    for await (const r of readRoster(file, platformColumns)) {
      const want = must(rows[n], 'the reader gives no more rows than were written');
      expect(r.cells.name).toBe(want[0]);
      expect(r.cells.status).toBe(want[2]);
      expect(r.cells.fee).toBe(String(want[3]));
      n++;
    }
    expect(n).toBe(rows.length);
  }, 60_000);
});
