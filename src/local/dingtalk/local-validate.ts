/**
 * What the local DingTalk server checks in a request, as DingTalk does (DINGTALK.md §4–§5, §8). Each check returns
 * the refusal DingTalk gives, or null. Codes not given by a source are marked "local choice".
 */
export interface Refusal {
  status: number;
  code: string;
  message: string;
}

const refusal = (code: string, message: string, status = 400): Refusal => ({ status, code, message });

export const MSG_KEYS: Record<string, string[]> = {
  sampleText: ['content'],
  sampleMarkdown: ['title', 'text'],
  sampleImageMsg: ['photoURL'],
  sampleLink: ['text', 'title', 'picUrl', 'messageUrl'],
  sampleActionCard: ['title', 'text', 'singleTitle', 'singleURL'],
  sampleActionCard2: ['title', 'text'],
  sampleActionCard3: ['title', 'text'],
  sampleActionCard4: ['title', 'text'],
  sampleActionCard5: ['title', 'text'],
  sampleActionCard6: ['title', 'text'],
  sampleAudio: ['mediaId', 'duration'],
  sampleFile: ['mediaId', 'fileName', 'fileType'],
  sampleVideo: ['duration', 'videoMediaId', 'videoType', 'picMediaId'],
};

export const MSG_PARAM_MAX_BYTES = 15_000;
export const BATCH_USERS_MAX = 20;

const str = (v: unknown) => typeof v === 'string' && v !== '';

/** msgKey known, msgParam a JSON string with the key's fields; returns the parsed param */
export function checkRobotMsg(
  body: Record<string, unknown>,
  robotCode: string,
  /** whether a media_id was uploaded here (a sampleFile must name one) */
  mediaKnown: (mediaId: string) => boolean = () => true,
): Refusal | { param: Record<string, unknown> } {
  if (body.robotCode !== robotCode)
    return refusal('invalidParameter.robotCode.invalid', 'robotCode 不存在 (local choice)');
  const key = body.msgKey;
  if (typeof key !== 'string' || !MSG_KEYS[key]) return refusal('invalidParameter.msgKey.invalid', 'msgKey 不合法');
  if (typeof body.msgParam !== 'string')
    return refusal('invalidParameter.msgParam.invalid', 'msgParam 须为 JSON 字符串 (local choice)');
  if (Buffer.byteLength(body.msgParam, 'utf8') > MSG_PARAM_MAX_BYTES)
    return refusal('invalidParameter.msgParam.overMax', 'msgParam 超过 15000 字节 (local choice)');
  let param: unknown;
  try {
    param = JSON.parse(body.msgParam);
  } catch {
    return refusal('invalidParameter.msgParam.invalid', 'msgParam 不是 JSON (local choice)');
  }
  if (!param || typeof param !== 'object' || Array.isArray(param))
    return refusal('invalidParameter.msgParam.invalid', 'msgParam 不是 JSON 对象 (local choice)');
  const p = param as Record<string, unknown>;
  for (const f of MSG_KEYS[key] ?? [])
    if (!str(p[f]) && typeof p[f] !== 'number')
      return refusal('invalidParameter.msgParam.invalid', `msgParam 缺少 ${f} (local choice)`);
  if (key === 'sampleFile' && !mediaKnown(String(p.mediaId)))
    return refusal('invalidParameter.msgParam.invalid', 'mediaId 无效 (local choice)');
  return { param: p };
}

export function checkUserIds(v: unknown): Refusal | string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every(str))
    return refusal('invalidParameter.userIds.invalid', 'userIds 不合法 (local choice)');
  if (v.length > BATCH_USERS_MAX) return refusal('invalidParameter.userIds.overMax', 'userIds 超过 20 个');
  return v as string[];
}

const SPACE = /^dtv1\.card\/\/(IM_GROUP|IM_ROBOT)\.([^;]+)$/;

export type Space = { type: 'IM_GROUP'; chatId: string } | { type: 'IM_ROBOT'; userId: string };

export function checkSpaces(v: unknown): Refusal | Space[] {
  if (!str(v)) return refusal('invalidParameter.openSpaceId.invalid', 'openSpaceId 不能为空 (local choice)');
  const out: Space[] = [];
  for (const part of (v as string).split(';')) {
    const m = SPACE.exec(part);
    if (!m)
      return refusal(
        'invalidParameter.openSpaceId.invalid',
        `openSpaceId 格式错误: ${part.slice(0, 60)} (local choice)`,
      );
    const id = m[2] ?? '';
    out.push(m[1] === 'IM_GROUP' ? { type: 'IM_GROUP', chatId: id } : { type: 'IM_ROBOT', userId: id });
  }
  return out;
}

/** cardParamMap: every value a string (dingtalk-card-examples convertJSONValuesToString) */
export function checkParamMap(v: unknown): Refusal | Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v))
    return refusal('invalidParameter.cardData.invalid', 'cardParamMap 须为对象 (local choice)');
  for (const [k, x] of Object.entries(v))
    if (typeof x !== 'string')
      return refusal('invalidParameter.cardData.invalid', `cardParamMap.${k} 须为字符串 (local choice)`);
  return v as Record<string, string>;
}

export const isRefusal = (v: unknown): v is Refusal =>
  typeof v === 'object' && v !== null && 'code' in v && 'status' in v;
