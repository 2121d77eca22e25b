/**
 * `npm start` builds the emulator page only when it must (src/emulator/build.ts): when dist/emulator has no
 * index.html, or a source under emulator/ changed after the build.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { emulatorBuildNeeded } from '../../src/local/emulator/build.js';

const dirs: string[] = [];
function tmp(): { src: string; dist: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'huzhu-build-'));
  dirs.push(root);
  const src = path.join(root, 'emulator');
  fs.mkdirSync(path.join(src, 'src'), { recursive: true });
  fs.writeFileSync(path.join(src, 'src/main.ts'), 'x');
  return { src, dist: path.join(root, 'dist/emulator') };
}
const touch = (file: string, at: number) => fs.utimesSync(file, at / 1000, at / 1000);

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('emulator build check', () => {
  it('builds when the output is missing', () => {
    const { src, dist } = tmp();
    expect(emulatorBuildNeeded(src, dist)).toBe(true);
  });

  it('does not build when the output is newer than every source', () => {
    const { src, dist } = tmp();
    fs.mkdirSync(dist, { recursive: true });
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html>');
    touch(path.join(src, 'src/main.ts'), Date.now() - 60_000);
    touch(path.join(dist, 'index.html'), Date.now());
    expect(emulatorBuildNeeded(src, dist)).toBe(false);
  });

  it('builds again when a source changed after the build', () => {
    const { src, dist } = tmp();
    fs.mkdirSync(dist, { recursive: true });
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html>');
    touch(path.join(dist, 'index.html'), Date.now() - 60_000);
    touch(path.join(src, 'src/main.ts'), Date.now());
    expect(emulatorBuildNeeded(src, dist)).toBe(true);
  });

  it('uses a shipped build when the sources are not there (an image with dist/ only)', () => {
    const { src, dist } = tmp();
    fs.mkdirSync(dist, { recursive: true });
    fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html>');
    fs.rmSync(src, { recursive: true });
    expect(emulatorBuildNeeded(src, dist)).toBe(false);
  });
});
