/**
 * Clicks first (src/bot/flows/click-first.ts): a decision's rows wait while other clicks are being decided, go once
 * none has been for a moment, and never wait past the bound.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLICKS_FIRST_MAX_MS, CLICKS_QUIET_MS, clicksQuiet, decidingClick } from '../../src/bot/flows/click-first.js';

/** a click being decided until `finish` is called */
function openClick() {
  let finish = () => {};
  const held = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const done = decidingClick(() => held);
  return { finish, done };
}

describe('clicksQuiet', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves at once when no click is being decided', async () => {
    let quiet = false;
    await clicksQuiet().then(() => {
      quiet = true;
    });
    expect(quiet).toBe(true);
  });

  it('waits for every click being decided, and for a quiet moment after the last, then lets the rows go', async () => {
    vi.useFakeTimers();
    const a = openClick();
    const b = openClick();
    let quiet = false;
    const waiting = clicksQuiet().then(() => {
      quiet = true;
    });
    a.finish();
    await a.done;
    await vi.advanceTimersByTimeAsync(CLICKS_QUIET_MS);
    expect(quiet).toBe(false);
    b.finish();
    await b.done;
    // the officer's next click comes in before the quiet moment is over: the rows keep waiting
    await vi.advanceTimersByTimeAsync(CLICKS_QUIET_MS - 1);
    const c = openClick();
    await vi.advanceTimersByTimeAsync(CLICKS_QUIET_MS);
    expect(quiet).toBe(false);
    c.finish();
    await c.done;
    await vi.advanceTimersByTimeAsync(CLICKS_QUIET_MS);
    await waiting;
    expect(quiet).toBe(true);
  });

  it('a click that comes and goes within the quiet moment starts it again (decisions committed together come in waves)', async () => {
    vi.useFakeTimers();
    const a = openClick();
    let quiet = false;
    const waiting = clicksQuiet().then(() => {
      quiet = true;
    });
    a.finish();
    await a.done;
    await vi.advanceTimersByTimeAsync(CLICKS_QUIET_MS - 10);
    // the next wave's click, decided at once: no click is in its decision when the first moment would end
    const b = openClick();
    b.finish();
    await b.done;
    await vi.advanceTimersByTimeAsync(10);
    expect(quiet).toBe(false);
    // the moment runs from b's end
    await vi.advanceTimersByTimeAsync(CLICKS_QUIET_MS - 11);
    expect(quiet).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(quiet).toBe(true);
  });

  it('the rows of a click answered just now wait for the quiet moment, even with no other rows held', async () => {
    vi.useFakeTimers();
    const a = openClick();
    a.finish();
    await a.done;
    let quiet = false;
    const waiting = clicksQuiet().then(() => {
      quiet = true;
    });
    await vi.advanceTimersByTimeAsync(CLICKS_QUIET_MS - 1);
    expect(quiet).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(quiet).toBe(true);
  });

  it('a click that fails still ends its hold', async () => {
    vi.useFakeTimers();
    let quiet = false;
    const failing = decidingClick(async () => {
      await Promise.resolve();
      throw new Error('decision failed');
    });
    const waiting = clicksQuiet().then(() => {
      quiet = true;
    });
    await expect(failing).rejects.toThrow('decision failed');
    await vi.advanceTimersByTimeAsync(CLICKS_QUIET_MS);
    await waiting;
    expect(quiet).toBe(true);
  });

  it('never holds the rows longer than the bound, however long clicks keep coming', async () => {
    vi.useFakeTimers();
    const a = openClick();
    let quiet = false;
    const waiting = clicksQuiet().then(() => {
      quiet = true;
    });
    await vi.advanceTimersByTimeAsync(CLICKS_FIRST_MAX_MS - 1);
    expect(quiet).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(quiet).toBe(true);
    a.finish();
    await a.done;
  });
});
