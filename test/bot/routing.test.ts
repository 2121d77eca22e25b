/**
 * Typed routing (issue #13): every intent has a handler and every dialog flow a Flow, checked by the type system
 * (a missing one fails `npm run typecheck`, which covers test/) and again at run time; every steering command is
 * recognised by one function (nlu/commands.ts).
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Dialog, type DialogOf } from '../../src/bot/dialog.js';
import { FLOW_NAMES, type Flow, flowOf } from '../../src/bot/dialog-flows.js';
import { HANDLERS, type Handler } from '../../src/bot/handlers.js';
import { INTENTS, type Intent } from '../../src/bot/intent.js';
import { chatCommand } from '../../src/bot/nlu/commands.js';

describe('handlers', () => {
  it('has exactly one handler per intent', () => {
    expectTypeOf<keyof typeof HANDLERS>().toEqualTypeOf<Intent>();
    expectTypeOf(HANDLERS).toExtend<Record<Intent, Handler>>();
    // @ts-expect-error a record without a handler for an intent is not a handler table
    const missing: Record<Intent, Handler> = { ...HANDLERS, status: undefined };
    expect(missing.status).toBeUndefined();
    expect(Object.keys(HANDLERS).sort()).toEqual([...INTENTS].sort());
    for (const intent of INTENTS) expect(typeof HANDLERS[intent]).toBe('function');
  });
});

describe('dialog flows', () => {
  const flows = Dialog.options.map((o) => o.shape.flow.value);
  it('has one flow per kind of stored dialog', () => {
    expectTypeOf<(typeof FLOW_NAMES)[number]>().toEqualTypeOf<Dialog['flow']>();
    expect([...FLOW_NAMES].sort()).toEqual([...flows].sort());
  });
  it('gives a form its resume, a prompt its answer, a binding its continuation', () => {
    const atHospital: DialogOf<'claim'> = { flow: 'claim', step: 'hospital', draft: {}, periodId: 1 };
    const claim = flowOf(atHospital);
    expectTypeOf(claim).toEqualTypeOf<Flow<DialogOf<'claim'>>>();
    expect(claim.mode).toBe('form');
    if (claim.mode === 'form') {
      // a hospital's name can read like a question: that step is never interrupted; the next ones are
      expect(claim.interruptible(atHospital)).toBe(false);
      expect(claim.interruptible({ ...atHospital, step: 'total' })).toBe(true);
    }
    expect(flowOf({ flow: 'decision', claimId: 1, decision: 'reject', cardId: 'c' }).mode).toBe('prompt');
    expect(flowOf({ flow: 'bind', step: 'name' }).mode).toBe('binding');
  });
});

describe('chatCommand', () => {
  it.each([
    ['取消', { kind: 'cancel_form' }],
    ['Cancel', { kind: 'cancel_form' }],
    [' 算了 ', { kind: 'cancel_form' }],
    ['继续', { kind: 'resume' }],
    ['繼續填寫', { kind: 'resume' }],
    ['补材料', { kind: 'supplement', claimId: null }],
    ['补充材料 #１２', { kind: 'supplement', claimId: 12 }],
    ['代绑', { kind: 'proxy_head' }],
    ['代绑 zhang 张三', { kind: 'proxy_head' }],
    ['导出进度表', { kind: 'export', export: { what: 'progress' } }],
    ['导出名册 红河州总工会', { kind: 'export', export: { what: 'roster', unit: '红河州总工会' } }],
  ])('%s', (text, expected) => {
    expect(chatCommand(text)).toEqual(expected);
  });
  it('is nothing for a sentence, even one that holds a command word', () => {
    expect(chatCommand('我想取消我的申请怎么办')).toBeNull();
    expect(chatCommand('继续教育能报吗')).toBeNull();
    expect(chatCommand('')).toBeNull();
  });
});
