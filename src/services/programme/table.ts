/**
 * Reads an office's set-up file (XLSX or CSV, from disk or a chat file's bytes) into a header and text rows, with
 * the row numbers a person sees in Excel/WPS. The set-up files are small (a province: 5 000 units, 20 000 people),
 * so the workbook is loaded whole; rosters of 100 000 rows have their own streaming reader (services/roster).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
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

function fromValues(sheetName: string | null, lines: { line: number; values: string[] }[]): Table {
  const firstIdx = lines.findIndex((l) => l.values.some((v) => v !== ''));
  if (firstIdx < 0) throw new TableFormatError('文件是空的：第一行应为表头');
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

function readCsv(buffer: Buffer): Table {
  let records: string[][];
  try {
    records = parse(buffer, { bom: true, relax_column_count: true, skip_empty_lines: false });
  } catch (e) {
    throw new TableFormatError(`无法读取这个 CSV 文件：${(e as Error).message}`);
  }
  return fromValues(
    null,
    records.map((values, i) => ({ line: i + 1, values: values.map((v) => v.trim()) })),
  );
}

export async function readTable(source: TableSource): Promise<Table> {
  const name = 'file' in source ? source.file : source.fileName;
  const ext = path.extname(name).toLowerCase();
  if (ext !== '.xlsx' && ext !== '.csv')
    throw new TableFormatError(`不支持的文件类型 ${ext || '（无扩展名）'}：请使用 .xlsx 或 .csv`);
  let buffer: Buffer;
  if ('file' in source) {
    if (!fs.existsSync(source.file)) throw new TableFormatError(`找不到文件 ${source.file}`);
    buffer = fs.readFileSync(source.file);
  } else buffer = source.buffer;
  return ext === '.xlsx' ? readXlsx(buffer) : readCsv(buffer);
}
