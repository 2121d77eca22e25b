/**
 * The sub-topic of a policy question, from its key: which part of the period's policy answers it.
 * The first rule that matches wins (最多能报多少 is the cap before 多少 could make it the fee).
 */
export type PolicyTopic =
  | 'threshold'
  | 'ratio'
  | 'cap'
  | 'materials'
  | 'refund'
  | 'eligibility'
  | 'fee'
  | 'cover'
  | 'window'
  | 'scope';

const RULES: [PolicyTopic, RegExp][] = [
  ['threshold', /起付|起点|起报|门槛|免赔|多少(?:钱)?(?:以下|以上)|低于多少|不满多少/],
  ['cap', /封顶|上限|最高|最多|累计/],
  ['ratio', /比例|几成|百分之|分段|每段|标准/],
  ['materials', /材料|资料|单据|发票|小结|复印件|原件|证明|清单|带什么|准备什么/],
  ['refund', /退费|退钱|退款|能退|退不退|退吗|退回/],
  ['window', /出院(?:后)?多[久长]|多长时间内|多久内|超过时间|过期|逾期/],
  ['cover', /生效|保障期|开始保|保到|等待期|多久(?:以后|后)?(?:才)?能报|有效期|保多久|期限/],
  ['scope', /门诊|外地|异地|自费药|大病|不满一天|住院不满|孩子|子女/],
  [
    'eligibility',
    /退休|能(?:不能)?参加|可以参加|可不可以参加|谁可以|谁能|家属|老伴|老公|老婆|爱人|年纪|岁|合同工|临时工|没有医保|条件/,
  ],
  ['fee', /多少钱|交多少|缴多少|费用|互助费|互助金多少|要交|一年交/],
];

export function policyTopic(key: string): PolicyTopic | undefined {
  for (const [topic, re] of RULES) if (re.test(key)) return topic;
  return undefined;
}
