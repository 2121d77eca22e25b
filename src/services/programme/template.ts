/**
 * Blank set-up files for an office to fill in: the header row a file of that kind is recognised by, the sheet
 * named after the kind, and a 说明 sheet with what each column means.
 */
import ExcelJS from 'exceljs';
import { columnsOf, KIND_LABEL, type PlatformColumn, type ProgrammeKind } from './columns.js';

export async function writeTemplate(
  kind: ProgrammeKind,
  platforms: readonly PlatformColumn[],
  file: string,
): Promise<void> {
  const columns = columnsOf(kind, platforms);
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(KIND_LABEL[kind]);
  ws.columns = columns.map((c) => ({ header: c.header, width: Math.max(12, c.header.length * 2 + 4) }));
  ws.getRow(1).font = { bold: true };
  const help = wb.addWorksheet('说明');
  help.columns = [
    { header: '列名', width: 16 },
    { header: '必需', width: 8 },
    { header: '说明', width: 80 },
  ];
  for (const c of columns) help.addRow([c.header, c.required ? '是' : '否', c.help]);
  await wb.xlsx.writeFile(file);
}
