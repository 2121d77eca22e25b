/**
 * The first sheet's name and header row of an XLSX held in memory, read as a stream that stops at the header: what
 * a chat file's kind is recognised by. Loading the whole workbook for that (services/programme/table.ts, right
 * for the small set-up files) costs a 100 000-row roster ~400 MB and most of its 30 s (bench/roster-chat).
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { TableFormatError } from '../programme/table.js';

export interface TableHeader {
  sheetName: string | null;
  header: string[];
}

/** a cell as text, as services/programme/table.ts reads it */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    const o = v as { text?: unknown; result?: unknown; richText?: { text: string }[] };
    if (o.richText) return o.richText.map((r) => r.text).join('');
    if (o.text !== undefined) return String(o.text);
    if (o.result !== undefined) return cellText(o.result);
  }
  return String(v).trim();
}

/** Same answers as readTable for the header: its first non-empty row, spaces taken out; the same refusals. */
export async function readXlsxHeader(bytes: Buffer): Promise<TableHeader> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([bytes]), {
    sharedStrings: 'cache',
    styles: 'ignore',
    hyperlinks: 'ignore',
    worksheets: 'emit',
  });
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = (row.values as unknown[]).slice(1).map(cellText);
        if (values.some((v) => v !== ''))
          // the reader's typings leave out the name it sets from the workbook's sheet list
          return {
            sheetName: (sheet as { name?: string }).name ?? null,
            header: values.map((h) => h.replace(/\s+/g, '')),
          };
      }
      throw new TableFormatError('文件是空的：第一行应为表头');
    }
  } catch (e) {
    if (e instanceof TableFormatError) throw e;
    throw new TableFormatError('无法读取这个 XLSX 文件：请用 Excel 或 WPS 另存为 .xlsx 后再试');
  }
  throw new TableFormatError('文件中没有工作表');
}
