/**
 * `huzhu payments export --out f.xlsx [--office <code>] [--period <n>] [--all]`: the payment list for the finance
 * office (补助支付清单): approved claims waiting for payment (with --all, the paid ones too), one row per claim with
 * its number, the member's name and unit, the amount and the approval dates, and the total.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Runtime } from '../runtime.js';
import { shanghaiToday } from '../runtime.js';
import { exportPayments, officeByCode } from '../services/payments.js';
import { currentPeriod, periodByNumber } from '../services/periods.js';

export const PAYMENTS_USAGE = `  payments export --out <file.xlsx> [--office <code>] [--period <n>] [--all]
                                 approved claims to pay (--all: paid ones too), for the finance office`;

const Args = z.object({
  out: z.string().regex(/\.xlsx$/i, '输出文件应以 .xlsx 结尾'),
  office: z.string().min(1).optional(),
  period: z
    .string()
    .regex(/^[1-9]\d*$/, '期次应为正整数')
    .transform(Number)
    .optional(),
  all: z.boolean().optional(),
});

export async function runPayments(
  argv: string[],
  rt: Runtime,
  io: { out: (s: string) => void; err: (s: string) => void },
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: 'string' },
      office: { type: 'string' },
      period: { type: 'string' },
      all: { type: 'boolean' },
    },
  });
  if (positionals[0] !== 'export') {
    io.err(`用法:\n${PAYMENTS_USAGE}`);
    return 2;
  }
  const parsed = Args.safeParse(values);
  if (!parsed.success) {
    io.err(parsed.error.issues.map((i) => i.message).join('；'));
    return 2;
  }
  const a = parsed.data;
  let officeId: number | undefined;
  if (a.office) {
    const office = await officeByCode(rt.db, a.office);
    if (office?.kind !== 'office') {
      io.err(`找不到办事处编码 ${a.office}`);
      return 1;
    }
    officeId = office.id;
  }
  const period = a.period ? await periodByNumber(rt.db, a.period) : await currentPeriod(rt.db);
  const r = await exportPayments(rt.db, period, a.out, {
    ...(officeId ? { officeId } : {}),
    ...(a.all ? { includePaid: true } : {}),
    today: shanghaiToday(),
  });
  io.out(
    `已导出补助支付清单到 ${a.out}：${r.rows} 笔，合计 ${(r.totalFen / 100).toFixed(2)} 元${
      r.heldBack ? `；另有 ${r.heldBack} 笔因单位不符合入口规定暂缓支付（不予补助），见“暂缓支付”工作表` : ''
    }`,
  );
  return 0;
}
