/**
 * `huzhu quota` and `huzhu quota flush`: a platform's monthly API budget (for platforms that have one: their
 * channel exposes a quota port) — calls used this month, the month projected from the configured schedules, the
 * messages held back, what gives way first — and sending what was held once the budget allows.
 */
import { z } from 'zod';
import type { MonthlySendPlan, QuotaPort, QuotaReport } from '../channels/channel.js';
import { PLATFORMS, platformLabels } from '../channels/platforms.js';

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

/**
 * The month in plain Chinese, one figure per line and one state: the state follows from the figures shown
 * (exhausted, messages held, projected over, or fine), so no line says 正常 beside held messages.
 */
export function formatReport(r: QuotaReport): string {
  const pct = (n: number) => `${Math.round((n * 100) / r.budget)}%`;
  // the projection never reads below what is already used
  const projected = Math.max(r.projected, r.used);
  const platform = platformLabels[r.platform] ?? r.platform;
  const state = r.exhausted
    ? `已用完：${platform}拒绝了本月的调用，新消息保留待发（下月自动补发，或运行 huzhu quota flush）`
    : r.held > 0
      ? `有 ${r.held} 条消息保留待发：运行 huzhu quota flush 补发`
      : projected > r.budget
        ? `按计划本月将超出额度 ${projected - r.budget} 次：额度紧张时按下面的顺序暂停`
        : '正常';
  const [y, m] = r.month.split('-');
  return [
    `${platform} · 组织 ${r.org} · ${y}年${Number(m)}月`,
    `  本月已用      ${r.used} 次 / 额度 ${r.budget} 次（${pct(r.used)}）`,
    `  月底预计      ${projected} 次（${pct(projected)}；按定时任务和近 30 天的申请，整月需要 ${r.monthlyNeed} 次）`,
    `  保留待发      ${r.held} 条`,
    `  状态          ${state}`,
    `  额度紧张时    剩余不足 ${r.reserve} 次，依次暂停：${r.giveWay.map((c) => LABEL_CN[c] ?? c).join(' → ') || '—'}`,
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
    out('用法：huzhu quota [flush]（不带参数：查看本月用量；flush：补发保留的消息）');
    return 2;
  }
  if (!ports.length) {
    const metered = PLATFORMS.filter((p) => p.monthlyApiQuota).map((p) => p.label);
    out(`没有按月计量接口调用的平台：只有配置了${metered.join('或')}时才有月度调用额度`);
    return 0;
  }
  let code = 0;
  for (const port of ports) {
    if (sub.data === 'flush') {
      try {
        const r = await port.flush();
        out(`${platformLabels[port.platform] ?? port.platform}：已补发 ${r.sent} 条，仍保留 ${r.left} 条`);
      } catch (e) {
        out(`${platformLabels[port.platform] ?? port.platform}：补发失败：${(e as Error).message}`);
        code = 1;
      }
      continue;
    }
    const r = await port.report(plan);
    out(formatReport(r));
  }
  return code;
}
