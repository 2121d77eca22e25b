/**
 * The classifier's decisions are kept by roles and text (src/bot/intent.ts, issue #17): a kept decision is the one
 * the model gives afresh (classifyWith, which is never kept), the roles are part of the key (an unsure 待审批 is not
 * an officer's for a worker), and what is kept cannot be changed by a caller.
 */
import { describe, expect, it } from 'vitest';
import { classifyWith, parseIntent } from '../../src/bot/intent.js';
import { loadClassifier } from '../../src/bot/nlu/load.js';

const TEXTS = ['我参加了吗', '排名', '截止日期', '看看待审批的', '审批', '单位进度怎么样', '起付线是多少', '谢谢'];
const ROLES: (readonly string[] | undefined)[] = [undefined, [], ['rep'], ['officer']];

describe('kept intent decisions', () => {
  it('answer as the model does afresh, for each set of roles, asked once or again', () => {
    const model = loadClassifier();
    for (let round = 0; round < 2; round++)
      for (const roles of ROLES)
        for (const text of TEXTS)
          expect(parseIntent(text, roles ? { roles } : {}).intent, `${text} ${JSON.stringify(roles)}`).toBe(
            classifyWith(model, text, roles),
          );
  });

  it('are not changed by a caller', () => {
    const first = parseIntent('截止日期是哪天');
    expect(() => first.alternatives.push({ intent: 'help', p: 1 })).toThrow(TypeError);
    expect(parseIntent('截止日期是哪天').alternatives).toEqual(first.alternatives);
  });
});
