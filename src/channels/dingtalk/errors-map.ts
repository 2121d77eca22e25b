/**
 * How DingTalk's error answers map onto our typed errors (DINGTALK.md §4, from
 * https://open.dingtalk.com/document/orgapp/how-to-process-api-throttling-on-the-dingtalk-server and the robot
 * send error tables). New API: JSON {code, message}; old API (oapi): {errcode, errmsg}.
 */
/** New-API codes that mean "too fast": retry after a pause (the doc says sleep 1 s for the QPS limits). */
const QPS = /^Forbidden\.AccessDenied\.QpsLimit/;
/** robot send throttles (3p, doc-derived): the robot's per-minute windows */
const SEND_THROTTLE = new Set(['send.too.fast', 'too.many.people', 'too.many.group', 'send.byToken.tooFast']);
/** old API: 90018 per app+API QPS, 90002 global QPS; 130101/660026 custom-robot minute windows */
const OLD_QPS = new Set([90018, 90002]);
const OLD_MINUTE = new Set([130101, 660026]);

export const QUOTA_CODE = 'Forbidden.AccessDenied.ApiCountLimitForOrg';
export const OLD_QUOTA_ERRCODE = 90020;

export type ErrorKind =
  | { kind: 'rate'; retryAfterMs: number }
  | { kind: 'quota' }
  | { kind: 'token' }
  | { kind: 'final' };

export function classifyNew(status: number, code: string): ErrorKind {
  if (code === 'InvalidAuthentication' || (status === 401 && code !== QUOTA_CODE)) return { kind: 'token' };
  if (code === QUOTA_CODE) return { kind: 'quota' };
  if (QPS.test(code)) return { kind: 'rate', retryAfterMs: 1_000 };
  if (SEND_THROTTLE.has(code)) return { kind: 'rate', retryAfterMs: 60_000 };
  return { kind: 'final' };
}

export function classifyOld(errcode: number): ErrorKind {
  // 88 with sub_code 40014 and plain 40014/42001: the token is invalid or expired
  if (errcode === 88 || errcode === 40014 || errcode === 42001) return { kind: 'token' };
  if (errcode === OLD_QUOTA_ERRCODE) return { kind: 'quota' };
  if (OLD_QPS.has(errcode)) return { kind: 'rate', retryAfterMs: 1_000 };
  if (OLD_MINUTE.has(errcode)) return { kind: 'rate', retryAfterMs: 60_000 };
  return { kind: 'final' };
}
