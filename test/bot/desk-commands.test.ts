/** The office's exact commands (src/bot/nlu/desk-commands.ts): heads folded, names kept as typed. */
import { describe, expect, it } from 'vitest';
import { deskCommand } from '../../src/bot/nlu/desk-commands.js';

describe('desk commands', () => {
  it('已收费 takes names and ID tails separated by spaces, commas, 、 and semicolons, as typed', () => {
    expect(deskCommand('已收费 张三 李四 0029')).toEqual({ what: 'collect_fees', tokens: ['张三', '李四', '0029'] });
    expect(deskCommand('已收费：张三，李四、００２９；欧阳·小明')).toEqual({
      what: 'collect_fees',
      tokens: ['张三', '李四', '００２９', '欧阳·小明'],
    });
    expect(deskCommand('已收费')).toEqual({ what: 'collect_fees', tokens: [] });
    expect(deskCommand('已收款 123X')).toEqual({ what: 'collect_fees', tokens: ['123X'] });
  });

  it('a worker’s own words are not a rep’s command', () => {
    expect(deskCommand('已交费')).toBeNull();
    expect(deskCommand('我已收费了吗')).toBeNull();
    expect(deskCommand('已收费了吗')).toBeNull();
  });

  it('对账 and 年度报表 with an optional year', () => {
    expect(deskCommand('对账')).toEqual({ what: 'reconcile' });
    expect(deskCommand(' 对帐 ')).toEqual({ what: 'reconcile' });
    expect(deskCommand('对账一下吧好不好')).toBeNull();
    expect(deskCommand('年度报表')).toEqual({ what: 'year_report' });
    expect(deskCommand('年度报表 2020')).toEqual({ what: 'year_report', year: 2020 });
    expect(deskCommand('2020年度报表')).toEqual({ what: 'year_report', year: 2020 });
    expect(deskCommand('年度报表怎么填')).toBeNull();
  });
});
