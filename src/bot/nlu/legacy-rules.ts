/**
 * The first parser's hand-written rules (before issue #16), kept as one input of the classifier: their vote is a
 * feature (features.ts), weighed by training like any other, so what they know is kept and what they get wrong
 * (a typo, a new intent) is outvoted by the n-grams. Pure.
 */
import { MAX_INTENT_SCAN, toKey } from '../normalise.js';

// ---- rules (on the key: folded, no punctuation/whitespace) -------------------------------------------------

const ANNOUNCE_CMD =
  /^(?:请|帮我|麻烦|给我)?(?:发布|群发|发送|发)(?:个|一个|一条|条|一下)?(?:通知|公告)(?!的|了|吗|没|在|怎么|什么|呢)/;
const CANCEL =
  /^(?:帮我|请|给我|我)?(?:先)?(?:取消|算了|不要了|退出|不用了|撤销|撤回|没事了|停止?|cancel|quit|exit|stop|不[报办弄搞做要填申]了|不想[弄办报搞做填申参][^了]{0,3}了|不参加了|不报名了|不申请了)/;
const CANCEL_MAX_KEY = 12;

const PENDING =
  /^审批$|^审核$|待我?审|待我?批|待办|待处理|(?:要|需要我?|该我?|等我)(?:审|批)|审批列表|审核列表|查看待审|要我(?:审|批)|(?:有|几个|多少)[^没]{0,4}没(?:审|批)/;

const MISSING =
  /未参|未续|未缴|未交|未报名|谁(?:还)?没|哪些人(?:还)?没|哪些(?:还)?没|还差谁|还差哪些|没(?:参加|参保|参互|交钱|交费|缴费|交|续|续保|报名)的|没(?:参加|参保|交|交钱|续保|报名)(?:的)?(?:人|名单|人员|有哪些)/;

const CLAIM_NOUN = /申请|补助|理赔|报销|补贴|审批|审核|材料|钱|款|#\d|第\d+号|\d+号/;
const CLAIM_STATUS_Q =
  /到哪|进度|怎么样|批了|批下|批没|通过|结果|到账|打到|打款|退回|驳回|拒绝|审核了|审了|状态|哪一步|什么时候(?:到|发|能发|能到|打|批|能批|给)|啥时候(?:到|发|打|批)|还没(?:到|批|下来|发|动静|消息|回音|结果)|多久(?:到|能|批)|[审批办]完|[审批办]好了|下来了|动静|回音|有消息/;
const MY_CLAIM = /^(?:查询?|看看)?我的(?:申请|补助|理赔|报销)(?:单)?$/;

const DEADLINE_STRONG = /截止|截至|期限|最后一天|最后期限|几号之?前|哪天之?前|几天截止|几号结束/;
const DEADLINE_WEAK = /什么时候|啥时候|几号|哪天|何时|几月几/;

const UNIT_REF =
  /^单位|^(?:我们|咱们)(?=排第|第几|排名|完成|进度)|(?:我|本|咱|我们|咱们)(?:的)?(?:单位|厂|局|公司|学院|学校|医院|院|系|部门|科室|街道|镇|乡|分会|分工会|工会|处|所|中心|集团|车间|支行|分行)/;
const UNIT_Q =
  /进度|完成|多少人|几个人|排第|第几|参保率|参加率|情况|达标|排名|比去年|去年|少了|多了|续保了|参加了|参保了|报名了|率/;

const RANKING =
  /排名|排行|进度|第一名|排第一|(?:谁|哪).{0,4}第一|倒数|完成情况|完成率|完成多少|完成了多少|一共多少人|总共多少人|总人数|参保人数|前十|前三|参保率|百分之多少|完成百分|目标完成|各单位|各县|各区|全市|全省/;

const STATUS_VERB =
  '(?:参加|参保|参互|参了|报名|报上名|报上|续上|续保|续互|续了|交费|缴费|交钱|缴钱|交|缴|入保|加入|续)';
const STATUS = new RegExp(
  `${STATUS_VERB}(?:没|没有)$|${STATUS_VERB}[^了吗没能]{0,4}?(?:了|过|上了)(?:吗|没|嘛|么|不)|有没有${STATUS_VERB}|有${STATUS_VERB}吗|` +
    `是不是(?:已经)?${STATUS_VERB}|已经${STATUS_VERB}了?(?:吗|没)|在不在名单|在名单(?:里|上)?(?:吗|没)|` +
    `(?:查|看|查询)?(?:一下|下|查)?我的(?:互助|参保|参互|会员)(?:状态|情况|信息|记录)?$|我的(?:互助|参保|参互)(?:状态|情况|信息|记录)|` +
    `我的互助金${STATUS_VERB}`,
);

const CLAIM =
  /申请补助|补助|理赔|报销|住院|出院|入院|手术|看病|医药费|医疗费|发票|能报|报多少|能补|补多少|起付线|起付|大病|重疾|材料|怎么报(?!名)|报一下|申请/;

const ENROL =
  /参加|参保|参互|报名|报个名|报上名|续保|续互|续交|续费|入保|加入|新参|互助金|多少钱|交多少|缴费|入会|投保|续一下|续上/;

const HELP =
  /^(?:帮助|help|菜单|功能|你能做什么|你会什么|你都会啥|你会啥|能做什么|能干啥|能干什么|你是干什么的|怎么用|怎么使用|使用方法|怎么操作|如何使用|使用说明|说明|有哪些功能|有什么功能|你是谁|帮帮我|指令|命令|menu|\?)|^(?:你好|您好|在吗|在不在|hi|hello|hey|嗨|哈喽|早上好|上午好|中午好|下午好|晚上好|早|早安)/;

const HAS_QUESTION_MARK = /[?？]/;
const POLITE = /^(?:请问一下|请问|麻烦问一下|问一下|麻烦|打扰一下|打扰了|那个)+|(?:啊|呀|呢|啦|哈|哦|喔)+$/g;

export function legacyVote(text: string): string {
  const raw = toKey(text, MAX_INTENT_SCAN);
  if (raw.length === 0) return HAS_QUESTION_MARK.test(text.slice(0, MAX_INTENT_SCAN)) ? 'help' : 'unknown';
  // politeness around the question carries no intent: 请问…, …啊/呀/呢
  const key = raw.replace(POLITE, '');
  if (key.length === 0) return HELP.test(raw) ? 'help' : 'unknown';
  if (ANNOUNCE_CMD.test(key)) return 'announce';
  if (key.length <= CANCEL_MAX_KEY && CANCEL.test(key)) return 'cancel';
  if (PENDING.test(key)) return 'pending_approvals';
  if (MISSING.test(key)) return 'missing_members';
  if (DEADLINE_STRONG.test(key)) return 'deadlines';
  if (MY_CLAIM.test(key) || (CLAIM_NOUN.test(key) && CLAIM_STATUS_Q.test(key))) return 'claim_status';
  if (UNIT_REF.test(key) && UNIT_Q.test(key)) return 'unit_progress';
  if (key.includes('我') && STATUS.test(key.replace(/我们|咱们/g, ''))) {
    // "我…了吗" about joining (not 我们单位…)
    return 'status';
  }
  if (RANKING.test(key)) return 'ranking';
  if (DEADLINE_WEAK.test(key)) return 'deadlines';
  if (CLAIM.test(key)) return 'claim';
  if (ENROL.test(key)) return 'enrol';
  if (HELP.test(key)) return 'help';
  return 'unknown';
}
