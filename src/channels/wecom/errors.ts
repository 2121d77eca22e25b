/** What the WeCom API can answer besides success, typed so callers (the outbound queue) can branch on it. */

/** A final, non-zero errcode: retrying the same request would fail the same way. */
export class WecomApiError extends Error {
  constructor(
    readonly path: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`WeCom ${path} answered errcode ${errcode}: ${errmsg.slice(0, 120)}`);
  }
}

/** 45009 / 45033 (or the robot's 20/min): try again after retryAfterMs, not sooner. */
export class RateLimited extends WecomApiError {
  constructor(
    path: string,
    errcode: number,
    errmsg: string,
    readonly retryAfterMs: number,
  ) {
    super(path, errcode, errmsg);
  }
}

/** The network or WeCom itself failed (connection error, HTTP 5xx, errcode -1) on every allowed attempt. */
export class WecomUnavailable extends Error {
  constructor(
    readonly path: string,
    readonly detail: string,
  ) {
    super(`WeCom ${path} unavailable: ${detail}`);
  }
}

/** A message that cannot be expressed on WeCom (e.g. a card id outside task_id's charset): a bug, never retried. */
export class WecomInputError extends Error {}

/**
 * huzhu's own pacing refused a message/send before it was made: one of its members had their window full (WeCom
 * takes 30 a minute and 1000 an hour for one member and drops the rest silently, WECOM.md §6). Nothing was sent;
 * try again after retryAfterMs. `retryScope` tells the job queue not to slow anyone else down (src/jobs/pace.ts).
 */
export class MemberPaced extends Error {
  readonly retryScope = 'recipient';
  constructor(
    readonly userIds: readonly string[],
    readonly retryAfterMs: number,
  ) {
    super(`message/send paced: a member's window is full, ${retryAfterMs} ms to wait`);
    this.name = 'MemberPaced';
  }
}
