/** Display names, keyed by the channel's platform name and the app's role names; unknown ones show as they are. */
export const PLATFORM_LABELS: Record<string, string> = { wecom: '企业微信', dingtalk: '钉钉' };
export const ROLE_LABELS: Record<string, string> = {
  worker: '职工',
  rep: '工会干部',
  officer: '办事处审核',
  centre: '中心复核',
  admin: '管理员',
};

export const platformLabel = (name: string): string => PLATFORM_LABELS[name] ?? name;
export const roleLabel = (role: string): string => ROLE_LABELS[role] ?? role;
