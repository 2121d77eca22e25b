/**
 * The test-only crash points (src/core/fault.ts): refused by the configuration in production, refused when they
 * name no known point, and when armed they kill the process the n-th time it passes the point, not before.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { must } from '../../src/core/must.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('HUZHU_FAULT', () => {
  it('is refused in production, and when it names no known point', () => {
    const prod = { NODE_ENV: 'production', ID_HASH_KEY: 'a-key-of-our-own-0123456789' };
    expect(() => loadConfig({ ...prod, HUZHU_FAULT: 'exit-after:decision-commit' })).toThrow(
      /HUZHU_FAULT: is a test-only crash point/,
    );
    expect(loadConfig(prod).HUZHU_FAULT).toBeUndefined();
    expect(() => loadConfig({ HUZHU_FAULT: 'exit-after:somewhere' })).toThrow(ConfigError);
    expect(() => loadConfig({ HUZHU_FAULT: 'exit-after:claim-commit:0' })).toThrow(ConfigError);
    expect(loadConfig({ HUZHU_FAULT: 'exit-after:claim-commit:3' }).HUZHU_FAULT).toBe('exit-after:claim-commit:3');
  });

  it('armed, kills the process with SIGKILL the n-th time the point is passed', async () => {
    const script = `
      import { armFault, faultPoint } from './src/core/fault.ts';
      armFault('exit-after:delivery-sent:3');
      faultPoint('claim-commit');
      for (let i = 1; i <= 5; i++) { faultPoint('delivery-sent'); console.log('passed', i); }`;
    const r = await new Promise<{ signal: string | null; out: string }>((resolve) => {
      const c = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root });
      let out = '';
      must(c.stdout, 'execFile pipes stdout').on('data', (d: Buffer) => {
        out += d.toString();
      });
      c.on('exit', (_code, signal) => resolve({ signal, out }));
    });
    expect(r.signal).toBe('SIGKILL');
    expect(r.out.trim().split('\n')).toEqual(['passed 1', 'passed 2']);
  });
});
