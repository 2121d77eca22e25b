/**
 * Test-only fault injection at the points where a crash hurts most: right after a transaction commits, before
 * anything it planned was handed on. `HUZHU_FAULT=exit-after:<point>[:<n>]` (checked in src/config.ts) makes this
 * process kill itself with SIGKILL — no cleanup, exactly what `kill -9` or a power cut leaves — the n-th time
 * (default the first) it passes <point>. The fault tests (test/faults/) start the app as a child process with it.
 *
 * Armed only by `armFault` with a value from the configuration, which refuses HUZHU_FAULT when
 * NODE_ENV=production: a production process never has a fault point armed, and a disarmed point is one
 * comparison of a module variable.
 */

export const FAULT_POINTS = [
  /** a claim decision (approve/reject/补材料) committed; its notices and card updates are rows, not yet queued */
  'decision-commit',
  /** a claim submission committed; the officers' cards are rows, not yet queued */
  'claim-commit',
  /** a planned message was handed to the platform and its row marked sent */
  'delivery-sent',
  /** a planned message was handed to the platform, its row still `sending` (the window no platform closes) */
  'delivery-handed',
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

export const FAULT_PATTERN = new RegExp(`^exit-after:(${FAULT_POINTS.join('|')})(?::([1-9][0-9]{0,5}))?$`);

let armed: { point: FaultPoint; left: number } | null = null;

/** arms the fault the configuration names (undefined disarms) */
export function armFault(spec: string | undefined): void {
  const m = spec ? FAULT_PATTERN.exec(spec) : null;
  armed = m ? { point: m[1] as FaultPoint, left: Number(m[2] ?? 1) } : null;
}

/** a crash point: kills the process here when the armed fault names it and its count is reached */
export function faultPoint(point: FaultPoint): void {
  if (armed?.point !== point || --armed.left > 0) return;
  process.kill(process.pid, 'SIGKILL');
}
