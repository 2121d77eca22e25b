/**
 * Reads a 参互人员名册 (seed 003) from XLSX (streamed, so 100 000 rows stay small in memory) or CSV into raw
 * rows keyed by our field names. Columns are found by their Chinese headers, in any order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';

export type RosterField = 'name' | 'idNumber' | 'status' | 'fee' | 'phone' | 'wecom' | 'dingtalk' | 'criticalIllness';

export interface RawRow {
  /** the row number a person sees in Excel/WPS (1-based, header included) */
  line: number;
  cells: Partial<Record<RosterField, string>>;
}

const HEADERS: Record<RosterField, RegExp> = {
  name: /^姓名$/,
  idNumber: /^(公民)?身份证(号码?|号)?$/,
  status: /^(在职\/退休|在职或退休|人员类别|人员状态|类别)$/,
  fee: /^(交费|缴费)金额(（元）|\(元\))?$/,
  phone: /^(手机(号码?)?|联系电话|电话)$/,
  wecom: /^企业微信(账号|帐号|ID|userid)?$/i,
  dingtalk: /^钉钉(账号|帐号|ID|userid)?$/i,
  criticalIllness: /^(大病补充(医疗)?保险|大病保险)$/,
};

export class RosterFormatError extends Error {}

export function mapHeader(header: string[]): Map<number, RosterField> {
  const map = new Map<number, RosterField>();
  header.forEach((h, i) => {
    const text = h.replace(/\s+/g, '');
    for (const [field, re] of Object.entries(HEADERS) as [RosterField, RegExp][]) {
      if (re.test(text) && ![...map.values()].includes(field)) map.set(i, field);
    }
  });
  const missing = (['name', 'idNumber', 'status', 'fee'] as const).filter((f) => ![...map.values()].includes(f));
  if (missing.length) {
    const names: Record<string, string> = { name: '姓名', idNumber: '身份证号', status: '在职/退休', fee: '交费金额' };
    throw new RosterFormatError(`名册缺少必需的列：${missing.map((m) => names[m]).join('、')}（第一行应为表头）`);
  }
  return map;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') {
    const o = v as { text?: unknown; result?: unknown; richText?: { text: string }[] };
    if (o.richText) return o.richText.map((r) => r.text).join('');
    if (o.text !== undefined) return String(o.text);
    if (o.result !== undefined) return String(o.result);
  }
  return String(v).trim();
}

function toRow(line: number, values: unknown[], map: Map<number, RosterField>): RawRow | null {
  const cells: RawRow['cells'] = {};
  let any = false;
  for (const [i, field] of map) {
    const t = cellText(values[i]).trim();
    if (t) {
      cells[field] = t;
      any = true;
    }
  }
  return any ? { line, cells } : null;
}

async function* readXlsx(file: string): AsyncGenerator<RawRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, {
    sharedStrings: 'cache',
    styles: 'ignore',
    hyperlinks: 'ignore',
    worksheets: 'emit',
  });
  for await (const sheet of reader) {
    let map: Map<number, RosterField> | null = null;
    for await (const row of sheet) {
      // exceljs rows are 1-indexed arrays with a hole at 0
      const values = (row.values as unknown[]).slice(1);
      if (!map) {
        if (values.every((v) => cellText(v) === '')) continue;
        map = mapHeader(values.map(cellText));
        continue;
      }
      const r = toRow(row.number, values, map);
      if (r) yield r;
    }
    if (!map) throw new RosterFormatError('名册是空的');
    return; // the first sheet is the roster
  }
}

async function* readCsv(file: string): AsyncGenerator<RawRow> {
  const parser = fs
    .createReadStream(file)
    .pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: false }));
  let map: Map<number, RosterField> | null = null;
  let line = 0;
  for await (const values of parser as AsyncIterable<string[]>) {
    line++;
    if (!map) {
      if (values.every((v) => v.trim() === '')) continue;
      map = mapHeader(values);
      continue;
    }
    const r = toRow(line, values, map);
    if (r) yield r;
  }
  if (!map) throw new RosterFormatError('名册是空的');
}

export function readRoster(file: string): AsyncGenerator<RawRow> {
  const ext = path.extname(file).toLowerCase();
  if (!fs.existsSync(file)) throw new RosterFormatError(`找不到文件 ${file}`);
  if (ext === '.xlsx') return readXlsx(file);
  if (ext === '.csv') return readCsv(file);
  throw new RosterFormatError(`不支持的文件类型 ${ext}：请使用 .xlsx 或 .csv`);
}
