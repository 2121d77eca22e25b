/**
 * One-to-one robot messages (POST /v1.0/robot/oToMessages/batchSend, at most 20 userIds a call) and what DingTalk
 * says it did with each recipient. The call answers 200 even when it delivered to nobody: its body names the staff
 * ids it held back or does not know (DINGTALK.md §4 "Response {processQueryKey, invalidStaffIdList,
 * flowControlledStaffIdList, filteredStaffIdList}"; aliyun/dingtalk-sdk robot_1_0 BatchSendOTOResponseBody:
 * flowControlledStaffIdList "推送频繁，被限流的用户userId列表", invalidStaffIdList "无效的用户userId列表"). Taking the
 * 200 for a delivery lost the message for them silently, so:
 * - flow-controlled: not delivered now; the caller retries later for them only;
 * - invalid (and filtered, which DingTalk lists without a documented meaning: it was not delivered, and asking
 *   again is answered the same): not delivered, for good.
 * A message in several parts goes on only to those who got every part before it, so nobody gets a part without
 * the one before; a recipient held back at a later part is retried from the first part (a repeat of a part beats
 * a lost one; the planner splits long texts into rows of one part each, so this is rare).
 */
import { z } from 'zod';
import type { Log } from '../../core/log.js';
import { maskedList, RecipientsUndelivered } from '../../core/undelivered.js';
import type { DingtalkApi } from './api-client.js';
import { BATCH_USERS_MAX } from './quota-plan.js';
import type { RobotMsg } from './render.js';

export const BATCH_SEND_PATH = '/v1.0/robot/oToMessages/batchSend';

const ids = z.array(z.string()).optional();
/** only the lists are read; a list missing from the answer names nobody */
export const BatchSendAnswer = z.object({
  processQueryKey: z.string().optional(),
  flowControlledStaffIdList: ids,
  invalidStaffIdList: ids,
  filteredStaffIdList: ids,
});

/** Sends `msgs` in order to `userIds`; throws RecipientsUndelivered (after sending what it could) when any was not. */
export async function batchSendAll(api: DingtalkApi, userIds: string[], msgs: RobotMsg[], log: Log): Promise<void> {
  let pending = [...new Set(userIds)];
  const throttled: string[] = [];
  const invalid: string[] = [];
  for (const m of msgs) {
    if (!pending.length) break;
    const next: string[] = [];
    for (let i = 0; i < pending.length; i += BATCH_USERS_MAX) {
      const chunk = pending.slice(i, i + BATCH_USERS_MAX);
      const raw = await api.call('POST', BATCH_SEND_PATH, { robotCode: api.creds.robotCode, userIds: chunk, ...m });
      const answer = BatchSendAnswer.safeParse(raw);
      if (!answer.success)
        // the call was taken (HTTP 200): sending it again could double it for everyone, so it counts as delivered
        log.error({ issues: answer.error.issues.length }, 'dingtalk batchSend answer not understood: taken as sent');
      const a = answer.success ? answer.data : {};
      const held = new Set(a.flowControlledStaffIdList ?? []);
      const refused = new Set([...(a.invalidStaffIdList ?? []), ...(a.filteredStaffIdList ?? [])]);
      for (const u of chunk) {
        if (refused.has(u)) invalid.push(u);
        else if (held.has(u)) throttled.push(u);
        else next.push(u);
      }
    }
    pending = next;
  }
  if (!throttled.length && !invalid.length) return;
  log.warn(
    {
      delivered: pending.length,
      throttled: throttled.length,
      invalid: invalid.length,
      throttledIds: maskedList(throttled),
      invalidIds: maskedList(invalid),
    },
    'dingtalk batchSend did not deliver to every recipient',
  );
  throw new RecipientsUndelivered({ delivered: pending, throttled, invalid }, 'DingTalk batchSend');
}
