/**
 * The handler bound (src/channels/admission.ts): first come, first served; fewer handlers while the event loop lags
 * (the CPU is short), the full bound again once it keeps time; the expected wait grows with the queue.
 */
import { describe, expect, it } from 'vitest';
import { createAdmission, LAGGING_HANDLERS } from '../../src/channels/admission.js';

/** n tasks that each wait until released; `started` in the order they got a slot */
function tasks(n: number) {
  const releases: (() => void)[] = [];
  const started: number[] = [];
  const gates = Array.from(
    { length: n },
    (_, i) =>
      new Promise<void>((r) => {
        releases[i] = r;
      }),
  );
  const task = (i: number) => async () => {
    started.push(i);
    await gates[i];
    return i;
  };
  return { releases, started, task };
}
const settle = () => new Promise((r) => setImmediate(r));

describe('admission', () => {
  it('runs at most the bound, the rest in arrival order', async () => {
    const gate = createAdmission(
      3,
      () => 0,
      () => 0,
    );
    const t = tasks(6);
    const done = Array.from({ length: 6 }, (_, i) => gate.run(t.task(i)));
    await settle();
    expect(t.started).toEqual([0, 1, 2]);
    expect(gate.load()).toEqual({ waiting: 3, running: 3, allowed: 3 });
    t.releases[1]?.();
    await settle();
    expect(t.started).toEqual([0, 1, 2, 3]);
    for (const r of t.releases) r();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(t.started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('while the event loop lags only a few run; the full bound once it keeps time again', async () => {
    let lagMs = 500;
    const gate = createAdmission(
      32,
      () => 0,
      () => lagMs,
    );
    const t = tasks(40);
    const done = Array.from({ length: 40 }, (_, i) => gate.run(t.task(i)));
    await settle();
    expect(t.started).toEqual(Array.from({ length: LAGGING_HANDLERS }, (_, i) => i));
    lagMs = 0;
    t.releases[0]?.();
    await settle();
    expect(t.started).toEqual(Array.from({ length: 33 }, (_, i) => i));
    expect(gate.load()).toMatchObject({ running: 32, waiting: 7 });
    for (const r of t.releases) r();
    await Promise.all(done);
  });

  it('expects no wait with a free slot, and a wait that grows with the queue and the turns’ time', async () => {
    let clock = 0;
    const gate = createAdmission(
      1,
      () => clock,
      () => 0,
    );
    expect(gate.expectedWaitMs()).toBe(0);
    await gate.run(async () => {
      clock += 400;
    });
    expect(gate.expectedWaitMs()).toBe(0);
    const t = tasks(3);
    const done = [0, 1, 2].map((i) => gate.run(t.task(i)));
    await settle();
    // one running, two waiting: a newcomer waits for three turns of 400 ms
    expect(gate.expectedWaitMs()).toBe(1_200);
    for (const r of t.releases) r();
    await Promise.all(done);
  });
});
