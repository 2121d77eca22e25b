/**
 * The first sheet's name and header row of an XLSX held in memory, read as a stream that stops at the header: what
 * a chat file's kind is recognised by. Loading the whole workbook for that (services/programme/table.ts, right
 * for the small set-up files) costs a 100 000-row roster ~400 MB and most of its 30 s (bench/roster-chat).
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { cellText, fromValues, type Table, TableFormatError, TITLE_ROWS } from '../programme/table.js';
import { isXlsxStreamRace, XLSX_STREAM_ATTEMPTS } from '../xlsx-stream-race.js';

/**
 * Same answers as readTable for the header: the first non-empty row below any title rows (programme/table.ts
 * fromValues decides which, on the first few non-empty rows), spaces taken out; the same refusals. Rows: none.
 */
export async function readXlsxHeader(bytes: Buffer): Promise<Table> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readHeaderOnce(bytes);
    } catch (e) {
      // the reader's occasional race on a good file (xlsx-stream-race.ts): read the same bytes again
      if (attempt < XLSX_STREAM_ATTEMPTS && e instanceof TableFormatError && isXlsxStreamRace(e.cause)) continue;
      throw e;
    }
  }
}

async function readHeaderOnce(bytes: Buffer): Promise<Table> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([bytes]), {
    sharedStrings: 'cache',
    styles: 'ignore',
    hyperlinks: 'ignore',
    worksheets: 'emit',
  });
  try {
    for await (const sheet of reader) {
      // the reader's typings leave out the name it sets from the workbook's sheet list
      const sheetName = (sheet as { name?: string }).name ?? null;
      const lines: { line: number; values: string[] }[] = [];
      for await (const row of sheet) {
        const values = (row.values as unknown[]).slice(1).map(cellText);
        if (!values.some((v) => v !== '')) continue;
        lines.push({ line: row.number, values });
        // enough to look past the title rows and see the header
        if (lines.length > TITLE_ROWS + 1) break;
      }
      return { ...fromValues(sheetName, lines), rows: [] };
    }
  } catch (e) {
    if (e instanceof TableFormatError) throw e;
    throw new TableFormatError('无法读取这个 XLSX 文件：请用 Excel 或 WPS 另存为 .xlsx 后再试', { cause: e });
  }
  throw new TableFormatError('文件中没有工作表');
}
