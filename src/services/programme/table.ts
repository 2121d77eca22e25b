/**
 * Reads an office's set-up file (XLSX or CSV, from disk or a chat file's bytes) into a header and text rows, with
 * the row numbers a person sees in Excel/WPS. The set-up files are small (a province: 5 000 units, 20 000 people),
 * so the workbook is loaded whole; rosters of 100 000 rows have their own streaming reader (services/roster).
 * The format comes from the bytes (an XLSX is a zip), the name only where the bytes cannot tell: a WeCom file
 * message may arrive without a name, or with a generic one. A title row above the header (one cell, often merged
 * across the table: 2020年度团体申请表) is skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { must } from '../../core/must.js';

export interface TableRow {
  /** 1-based, header included: the number Excel/WPS shows */
  line: number;
  cells: string[];
}

export interface Table {
  /** the first sheet's name (a template names its kind there); null for CSV */
  sheetName: string | null;
  header: string[];
  rows: TableRow[];
}

export class TableFormatError extends Error {}

export type TableSource = { file: string } | { buffer: Buffer; fileName: string };

/** an XLSX cell as text (rich text joined, a formula's result, a date as YYYY-MM-DD); roster/header.ts reads alike */
export function cellText(v: unknown): string {
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

export type TableFormat = 'xlsx' | 'csv';

const ZIP_MAGIC = Buffer.from('PK\u0003\u0004', 'latin1');
/** names that say nothing of the format: none, or what a download or a chat client makes up */
const GENERIC_EXTENSIONS = new Set(['', '.txt', '.dat', '.bin', '.tmp', '.file', '.download']);

/** a text file with a separator in its first line: readable as CSV */
function looksLikeCsv(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 64 * 1024);
  if (head.includes(0)) return false;
  const firstLine = head.toString('utf8').split(/\r?\n/, 1)[0] ?? '';
  return /[,，\t]/.test(firstLine);
}

/**
 * The format of a file from its bytes: a zip is an XLSX whatever its name; a text with separators is a CSV when the
 * name says .csv or says nothing (no extension, or a generic one). null: neither (a photo, an old .xls).
 */
export function tableFormat(bytes: Buffer, name: string): TableFormat | null {
  if (bytes.subarray(0, 4).equals(ZIP_MAGIC)) return 'xlsx';
  const ext = path.extname(name).toLowerCase();
  // named so but not a zip: the XLSX reader says it cannot be read
  if (ext === '.xlsx') return 'xlsx';
  if (ext === '.csv') return 'csv';
  return GENERIC_EXTENSIONS.has(ext) && looksLikeCsv(bytes) ? 'csv' : null;
}

/** a title above the header: its non-empty cells (a merged cell repeats its text) all say the same */
function isTitle(values: string[]): boolean {
  return new Set(values.filter((v) => v !== '')).size <= 1;
}

/** title rows looked past before the header; a header is never that far down */
export const TITLE_ROWS = 3;

/** the header (below any title rows) and the rows after it; roster/header.ts reads a streamed XLSX's top with it */
export function fromValues(sheetName: string | null, lines: { line: number; values: string[] }[]): Table {
  let firstIdx = lines.findIndex((l) => l.values.some((v) => v !== ''));
  if (firstIdx < 0) throw new TableFormatError('文件是空的：第一行应为表头');
  for (let skipped = 0; skipped < TITLE_ROWS && isTitle(must(lines[firstIdx], 'in range').values); skipped++) {
    const next = lines.findIndex((l, i) => i > firstIdx && l.values.some((v) => v !== ''));
    if (next < 0 || isTitle(must(lines[next], 'in range').values)) break;
    firstIdx = next;
  }
  const header = must(lines[firstIdx], 'findIndex found it').values.map((h) => h.replace(/\s+/g, ''));
  const rows = lines
    .slice(firstIdx + 1)
    .filter((l) => l.values.some((v) => v !== ''))
    .map((l) => ({ line: l.line, cells: header.map((_, i) => (l.values[i] ?? '').trim()) }));
  return { sheetName, header, rows };
}

async function readXlsx(buffer: Buffer): Promise<Table> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(buffer as unknown as ArrayBuffer);
  } catch {
    throw new TableFormatError('无法读取这个 XLSX 文件：请用 Excel 或 WPS 另存为 .xlsx 后再试');
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new TableFormatError('文件中没有工作表');
  const lines: { line: number; values: string[] }[] = [];
  ws.eachRow({ includeEmpty: false }, (row, n) => {
    lines.push({ line: n, values: (row.values as unknown[]).slice(1).map(cellText) });
  });
  return fromValues(ws.name, lines);
}

/**
 * RFC 4180 records of a CSV text: fields split by commas, quoted fields may hold commas, newlines and "" for a
 * quote; a short row stays short (fromValues pads it). Hand-written because csv-parse builds an Error, with its
 * context copied through JSON, for every row shorter than the header before relax_column_count forgives it:
 * a hand-written organisations file of 5 000 short rows spent most of its reading time there.
 */
export function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (quoted) {
      const q = text.indexOf('"', i);
      if (q < 0) throw new TableFormatError('无法读取这个 CSV 文件：引号没有闭合');
      field += text.slice(i, q);
      if (text.charCodeAt(q + 1) === 34) {
        field += '"';
        i = q + 2;
      } else {
        quoted = false;
        i = q + 1;
      }
    } else if (c === 34 && field === '') {
      quoted = true;
      i++;
    } else if (c === 44) {
      record.push(field);
      field = '';
      i++;
    } else if (c === 10 || c === 13) {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
    } else {
      // a run of plain characters at once (a quote inside a field is kept as written)
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 44 || d === 10 || d === 13) break;
        j++;
      }
      field += text.slice(i, j);
      i = j;
    }
  }
  if (quoted) throw new TableFormatError('无法读取这个 CSV 文件：引号没有闭合');
  if (field !== '' || record.length) {
    record.push(field);
    records.push(record);
  }
  return records;
}

function readCsv(buffer: Buffer): Table {
  // TextDecoder drops a UTF-8 byte order mark, as Excel writes one
  const records = csvRecords(new TextDecoder('utf-8').decode(buffer));
  return fromValues(
    null,
    records.map((values, i) => ({ line: i + 1, values: values.map((v) => v.trim()) })),
  );
}

export async function readTable(source: TableSource): Promise<Table> {
  const name = 'file' in source ? source.file : source.fileName;
  let buffer: Buffer;
  if ('file' in source) {
    if (!fs.existsSync(source.file)) throw new TableFormatError(`找不到文件 ${source.file}`);
    buffer = fs.readFileSync(source.file);
  } else buffer = source.buffer;
  const format = tableFormat(buffer, name);
  if (!format) {
    const ext = path.extname(name).toLowerCase();
    throw new TableFormatError(`不支持的文件类型 ${ext || '（无扩展名）'}：请使用 .xlsx 或 .csv`);
  }
  return format === 'xlsx' ? readXlsx(buffer) : readCsv(buffer);
}
