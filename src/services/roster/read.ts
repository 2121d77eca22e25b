/**
 * Reads a 参互人员名册 (seed 003) from XLSX (streamed, so 100 000 rows stay small in memory) or CSV into raw
 * rows keyed by our field names. Columns are found by their Chinese headers, in any order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import type { PlatformColumn } from '../programme/columns.js';
import { isXlsxStreamRace, XLSX_STREAM_ATTEMPTS } from '../xlsx-stream-race.js';
import { unpackedSize } from './zip-size.js';

/** a fixed column, or a platform's account column (`account:<platform>`, headed `<label>账号`) */
export type RosterField = 'name' | 'idNumber' | 'status' | 'fee' | 'phone' | 'criticalIllness' | `account:${string}`;

export const accountField = (platform: string): `account:${string}` => `account:${platform}`;

export interface RawRow {
  /** the row number a person sees in Excel/WPS (1-based, header included) */
  line: number;
  cells: Partial<Record<RosterField, string>>;
}

const FIXED_HEADERS: Record<string, RegExp> = {
  name: /^姓名$/,
  idNumber: /^(公民)?身份证(号码?|号)?$/,
  status: /^(在职\/退休|在职或退休|人员类别|人员状态|类别)$/,
  fee: /^(交费|缴费)金额(（元）|\(元\))?$/,
  phone: /^(手机(号码?)?|联系电话|电话)$/,
  criticalIllness: /^(大病补充(医疗)?保险|大病保险)$/,
};

export class RosterFormatError extends Error {}

/**
 * Limits of one roster file. The largest unit roster of the seeds is a few thousand people; a provincial roster
 * of 100 000 rows is about 4 MB as XLSX and 8 MB as CSV. Past these a file is not a roster (or should be split by
 * unit), and reading it would only cost minutes and memory before failing. These are the defaults, and all a chat
 * upload gets; an operator importing a whole province's roster from the command line raises them
 * (ROSTER_MAX_ROWS, ROSTER_MAX_FILE_MB): the import streams, so its memory does not grow with the file.
 */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
export const MAX_ROWS = 200_000;
/** an XLSX unpacked: 100 000 rows are about 32 MB of sheet XML */
export const MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024;

export interface RosterLimits {
  maxFileBytes: number;
  maxRows: number;
  maxUnpackedBytes: number;
}

export const DEFAULT_LIMITS: RosterLimits = {
  maxFileBytes: MAX_FILE_BYTES,
  maxRows: MAX_ROWS,
  maxUnpackedBytes: MAX_XLSX_UNPACKED_BYTES,
};

/**
 * The limits for a roster of at most `rows` rows (an operator's ROSTER_MAX_ROWS): its size and unpacked size grow
 * in proportion, from the defaults' 200 000 rows, unless `fileMb` says otherwise.
 */
export function limitsForRows(rows: number | undefined, fileMb?: number): RosterLimits {
  const maxRows = rows ?? MAX_ROWS;
  const scale = Math.max(1, maxRows / MAX_ROWS);
  return {
    maxRows,
    maxFileBytes: fileMb ? fileMb * 1024 * 1024 : Math.ceil(MAX_FILE_BYTES * scale),
    maxUnpackedBytes: Math.ceil(MAX_XLSX_UNPACKED_BYTES * scale),
  };
}

function checkRowCount(line: number, limits: RosterLimits): void {
  if (line > limits.maxRows + 1)
    throw new RosterFormatError(
      `名册超过 ${limits.maxRows.toLocaleString('en-US')} 行，未导入：请按单位拆分成几个文件分别导入`,
    );
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** the fixed columns and one account column per platform (its label, e.g. 企业微信账号 / 钉钉ID) */
function headersFor(platforms: readonly PlatformColumn[]): [RosterField, RegExp][] {
  return [
    ...(Object.entries(FIXED_HEADERS) as [RosterField, RegExp][]),
    ...platforms.map((p): [RosterField, RegExp] => [
      accountField(p.name),
      new RegExp(`^${escapeRegExp(p.label)}(账号|帐号|ID|userid)?$`, 'i'),
    ]),
  ];
}

export function mapHeader(header: string[], platforms: readonly PlatformColumn[]): Map<number, RosterField> {
  const map = new Map<number, RosterField>();
  const headers = headersFor(platforms);
  header.forEach((h, i) => {
    const text = h.replace(/\s+/g, '');
    for (const [field, re] of headers) {
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

async function* readXlsx(file: string, platforms: readonly PlatformColumn[], limits: RosterLimits) {
  const unpacked = unpackedSize(fs.readFileSync(file));
  if (unpacked !== null && unpacked > limits.maxUnpackedBytes)
    throw new RosterFormatError(
      `文件解压后超过 ${Math.round(limits.maxUnpackedBytes / 1024 / 1024)} MB，不像是人员名册，未导入：请检查文件，或按单位拆分后分别导入`,
    );
  try {
    for (let attempt = 1; ; attempt++) {
      let started = false;
      try {
        for await (const row of readXlsxSheet(file, platforms, limits)) {
          started = true;
          yield row;
        }
        return;
      } catch (e) {
        // the reader's occasional race (xlsx-stream-race.ts), before any row: the same file read again
        if (started || attempt >= XLSX_STREAM_ATTEMPTS || !isXlsxStreamRace(e)) throw e;
      }
    }
  } catch (e) {
    if (e instanceof RosterFormatError) throw e;
    // not a zip, a broken zip, XML that is not SpreadsheetML: the reader's own words mean nothing to an office
    throw new RosterFormatError(
      `无法读取 XLSX 文件（${(e as Error).message.slice(0, 80)}）：请在 Excel/WPS 中打开后另存为 .xlsx 再导入`,
    );
  }
}

async function* readXlsxSheet(
  file: string,
  platforms: readonly PlatformColumn[],
  limits: RosterLimits,
): AsyncGenerator<RawRow> {
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
      checkRowCount(row.number, limits);
      const values = (row.values as unknown[]).slice(1);
      if (!map) {
        if (values.every((v) => cellText(v) === '')) continue;
        map = mapHeader(values.map(cellText), platforms);
        continue;
      }
      const r = toRow(row.number, values, map);
      if (r) yield r;
    }
    if (!map) throw new RosterFormatError('名册是空的');
    return; // the first sheet is the roster
  }
}

type CsvEncoding = 'utf-16le' | 'utf-16be' | 'utf-8' | 'gb18030';

const NOT_UTF8_OR_GBK =
  '无法识别 CSV 文件的编码（既不是 UTF-8，也不是 GBK/GB18030）：请在 Excel/WPS 中另存为“CSV UTF-8”或 .xlsx 后再导入';

/** whether every chunk decodes without error, read as a stream (nothing kept) */
async function decodesAs(encoding: CsvEncoding, chunks: AsyncIterable<Buffer>): Promise<boolean> {
  const decoder = new TextDecoder(encoding, { fatal: true });
  try {
    for await (const chunk of chunks) decoder.decode(chunk, { stream: true });
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}

/**
 * A CSV file's encoding. Excel and WPS in China save "CSV" in the system code page, GBK (GB18030 on newer
 * Windows), without a BOM; "Unicode text" is UTF-16 with a BOM. Bytes that are valid UTF-8 are read as UTF-8;
 * otherwise as GB18030, a superset of GBK; bytes that are neither are refused, naming the encodings that work.
 * The whole file is checked before a row is read (a GBK file can look like UTF-8 for many rows), a pass that
 * keeps nothing, so a file of a million rows is never held whole.
 */
async function csvEncoding(file: string): Promise<CsvEncoding> {
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 2, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if (await decodesAs('utf-8', fs.createReadStream(file))) return 'utf-8';
  if (await decodesAs('gb18030', fs.createReadStream(file))) return 'gb18030';
  throw new RosterFormatError(NOT_UTF8_OR_GBK);
}

/** the file's text in pieces, decoded as it is read */
async function* decodedText(file: string, encoding: CsvEncoding): AsyncGenerator<string> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 256 * 1024 }))
    yield decoder.decode(chunk as Buffer, { stream: true });
  yield decoder.decode();
}

async function* readCsv(
  file: string,
  platforms: readonly PlatformColumn[],
  limits: RosterLimits,
): AsyncGenerator<RawRow> {
  const parser = Readable.from(decodedText(file, await csvEncoding(file))).pipe(
    parse({ bom: true, relax_column_count: true, skip_empty_lines: false }),
  );
  let map: Map<number, RosterField> | null = null;
  let line = 0;
  for await (const values of parser as AsyncIterable<string[]>) {
    line++;
    checkRowCount(line, limits);
    if (!map) {
      if (values.every((v) => v.trim() === '')) continue;
      map = mapHeader(values, platforms);
      continue;
    }
    const r = toRow(line, values, map);
    if (r) yield r;
  }
  if (!map) throw new RosterFormatError('名册是空的');
}

/**
 * `platforms`: whose account columns to read (the platform folders' descriptors, passed down by the caller);
 * `limits`: DEFAULT_LIMITS unless an operator raised them.
 */
export function readRoster(
  file: string,
  platforms: readonly PlatformColumn[],
  limits: RosterLimits = DEFAULT_LIMITS,
): AsyncGenerator<RawRow> {
  const ext = path.extname(file).toLowerCase();
  if (!fs.existsSync(file)) throw new RosterFormatError(`找不到文件 ${file}`);
  const size = fs.statSync(file).size;
  if (size > limits.maxFileBytes)
    throw new RosterFormatError(
      `文件过大（${(size / 1024 / 1024).toFixed(1)} MB），名册文件最大 ${Math.round(limits.maxFileBytes / 1024 / 1024)} MB，未导入：请按单位拆分成几个文件分别导入`,
    );
  if (ext === '.xlsx') return readXlsx(file, platforms, limits);
  if (ext === '.csv') return readCsv(file, platforms, limits);
  throw new RosterFormatError(`不支持的文件类型 ${ext}：请使用 .xlsx 或 .csv`);
}
