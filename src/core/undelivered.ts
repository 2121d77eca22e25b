/**
 * A send the platform took for some recipients and not for others, said per recipient in its answer (DingTalk's
 * robot batchSend: flowControlledStaffIdList, invalidStaffIdList; src/channels/dingtalk/sender.ts). Thrown by a
 * channel after it sent what it could, so no caller can take the message for delivered to everyone: the job queue
 * (src/jobs/send.ts) records each recipient's outcome and retries only the throttled ones.
 */

export interface UndeliveredOutcome {
  /** got the whole message */
  delivered: string[];
  /** the platform held it back for now (sending too often to them): try again later, for them only */
  throttled: string[];
  /** the platform does not know them: permanent, never retried */
  invalid: string[];
}

/** a staff or user id as a log line or a dead letter may show it: its first and last 2 characters */
export function maskUserId(id: string): string {
  if (id.length <= 4) return '*'.repeat(id.length);
  return `${id.slice(0, 2)}${'*'.repeat(Math.min(id.length - 4, 6))}${id.slice(-2)}`;
}

export const maskedList = (ids: string[]): string => ids.map(maskUserId).join(', ');

export class RecipientsUndelivered extends Error {
  override name = 'RecipientsUndelivered';
  constructor(
    readonly outcome: UndeliveredOutcome,
    /** where the answer said so, e.g. 'DingTalk batchSend' */
    readonly source: string,
  ) {
    const parts = [
      outcome.throttled.length
        ? `flow-controlled (throttled) for ${outcome.throttled.length}: ${maskedList(outcome.throttled)}`
        : '',
      outcome.invalid.length ? `invalid for ${outcome.invalid.length}: ${maskedList(outcome.invalid)}` : '',
    ].filter(Boolean);
    super(`${source}: not delivered to every recipient; ${parts.join('; ')}`);
  }
}

/** The undelivered outcome an error carries (duck-typed like retryAfterOf: the job layer knows no channel). */
export function undeliveredOf(e: unknown): UndeliveredOutcome | null {
  return e instanceof RecipientsUndelivered ? e.outcome : null;
}
