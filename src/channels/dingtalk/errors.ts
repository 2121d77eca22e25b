/** What the DingTalk API can answer besides success, typed so callers (the outbound queue) can branch on it. */

/** A final refusal: retrying the same request would fail the same way. */
export class DingtalkApiError extends Error {
  constructor(
    readonly path: string,
    readonly status: number,
    /** new API `code` (e.g. invalidParameter.userIds.overMax) or old API errcode as a string */
    readonly code: string,
    readonly detail: string,
  ) {
    super(`DingTalk ${path} answered ${status} ${code}: ${detail.slice(0, 120)}`);
  }
}

/** QpsLimit…, send.too.fast and their old-API errcodes: try again after retryAfterMs, not sooner. */
export class RateLimited extends DingtalkApiError {
  constructor(
    path: string,
    status: number,
    code: string,
    detail: string,
    readonly retryAfterMs: number,
  ) {
    super(path, status, code, detail);
  }
}

/** Forbidden.AccessDenied.ApiCountLimitForOrg / errcode 90020: the organisation's monthly calls are used up. */
export class QuotaExhausted extends DingtalkApiError {}

/** The network or DingTalk itself failed (connection error, HTTP 5xx) on every allowed attempt. */
export class DingtalkUnavailable extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`DingTalk ${path} unavailable: ${detail}`);
  }
}

/** A message that cannot be expressed on DingTalk (no recipient, a card id it refuses): a bug, never retried. */
export class DingtalkInputError extends Error {}
