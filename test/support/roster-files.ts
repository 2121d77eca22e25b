/**
 * Builds roster files (XLSX through exceljs, CSV by hand) with invented people whose ID numbers pass the
 * GB 11643 checksum.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { syntheticIdNumber } from '../../src/services/demo/people.js';

export const HEADER = ['姓名', '身份证号', '在职/退休', '交费金额', '手机', '企业微信账号', '钉钉账号'];

export type Cells = (string | number)[];

export function person(
  n: number,
  fee: string | number = 100,
  extra: Partial<{ name: string; status: string; phone: string; wecom: string; dingtalk: string }> = {},
): Cells {
  return [
    extra.name ?? `测试${'甲乙丙丁戊己庚辛壬癸'[n % 10]}${'一二三四五六七八九十'[Math.floor(n / 10) % 10]}`,
    syntheticIdNumber('530102', 500_000 + n),
    extra.status ?? (n % 5 === 0 ? '退休' : '在职'),
    fee,
    extra.phone ?? '',
    extra.wecom ?? '',
    extra.dingtalk ?? '',
  ];
}

export function tmpFile(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-roster-')), name);
}

export async function writeXlsx(rows: Cells[], header: string[] = HEADER): Promise<string> {
  const file = tmpFile('roster.xlsx');
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false });
  const ws = wb.addWorksheet('参互人员名册');
  ws.addRow(header).commit();
  for (const r of rows) ws.addRow(r).commit();
  ws.commit();
  await wb.commit();
  return file;
}

export function writeCsv(rows: Cells[], header: string[] = HEADER): string {
  const file = tmpFile('roster.csv');
  const esc = (v: string | number) => (/[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  fs.writeFileSync(file, `\uFEFF${[header, ...rows].map((r) => r.map(esc).join(',')).join('\n')}\n`);
  return file;
}
