/**
 * `huzhu quota` and `huzhu quota flush`: a platform's monthly API budget (for platforms that have one: their
 * channel exposes a quota port) — calls used this month, the month projected from the configured schedules, the
 * messages held back, what gives way first — and sending what was held once the budget allows.
 */
import { z } from 'zod';
import type { MonthlySendPlan, QuotaPort, QuotaReport } from '../channels/channel.js';

export function planFromCounts(c: {
  daysInMonth: number;
  reps: number;
  /** reps who asked for their personal line */
  repsWithLines: number;
  groups: number;
  categories: number;
  /** announced timeline events falling in the month × announcement days per event */
  announcements: number;
  /** claims a month (each approved on up to two levels) */
  claims: number;
  levels?: number;
}): MonthlySendPlan {
  return {
    pushDays: c.daysInMonth,
    groups: c.groups,
    groupMessagesPerPush: c.categories,
    chartsPerPush: c.categories,
    repsWithLines: c.repsWithLines,
    repsWithCharts: c.reps,
    categories: c.categories,
    announcements: c.announcements,
    approvals: c.claims * (c.levels ?? 2),
    // a reply goes through the API only when the sessionWebhook has expired: assume one in ten conversations
    apiReplies: Math.ceil((c.claims * 4) / 10),
  };
}

const Sub = z.enum(['show', 'flush']);
const LABEL_CN: Record<string, string> = { personal: '个人推送', group: '群消息', card: '审批卡片', reply: '回复' };

export function formatReport(r: QuotaReport): string {
  const pct = (n: number) => `${Math.round((n * 100) / r.budget)}%`;
  const state = r.exhausted
    ? '已用完，暂停发送 (exhausted: sending stopped, messages kept)'
    : r.projected > r.budget
      ? '预计超出 (projected over budget)'
      : '正常 (ok)';
  return [
    `${r.platform} · ${r.org} · ${r.month}`,
    `  已用 used            ${r.used} / ${r.budget} (${pct(r.used)})`,
    `  本月预计 projected    ${r.projected} (${pct(r.projected)}); 计划每月需要 schedules need ${r.monthlyNeed}`,
    `  保留待发 held         ${r.held}`,
    `  状态 state            ${state}`,
    `  让路顺序 gives way    ${r.giveWay.map((c) => `${LABEL_CN[c] ?? c} ${c}`).join(' → ') || '—'} (余量低于 reserve ${r.reserve} 时)`,
  ].join('\n');
}

/** Runs `quota [show|flush]`; returns the exit code. */
export async function quotaCommand(
  args: string[],
  ports: QuotaPort[],
  plan: MonthlySendPlan,
  out: (s: string) => void,
): Promise<number> {
  const sub = Sub.safeParse(args[0] ?? 'show');
  if (!sub.success) {
    out('用法 (usage): huzhu quota [flush]');
    return 2;
  }
  if (!ports.length) {
    out('没有按月计量接口调用的平台 (no platform with a monthly API quota is configured)');
    return 0;
  }
  let code = 0;
  for (const port of ports) {
    if (sub.data === 'flush') {
      try {
        const r = await port.flush();
        out(`${port.platform}: 已补发 sent ${r.sent}，仍保留 still held ${r.left}`);
      } catch (e) {
        out(`${port.platform}: 补发失败 flush failed: ${(e as Error).message}`);
        code = 1;
      }
      continue;
    }
    const r = await port.report(plan);
    out(formatReport(r));
  }
  return code;
}
