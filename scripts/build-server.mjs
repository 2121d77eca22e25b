// `npm run build:server`: compiles the server (src/, without src/local) once into dist/ for `node dist/app/main.js`
// and `node dist/cli/index.js`. dist/emulator (the page, `npm run build`) is kept; everything else is rebuilt, so no
// stale module survives a rename.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
for (const entry of fs.existsSync(dist) ? fs.readdirSync(dist) : [])
  if (entry !== 'emulator') fs.rmSync(path.join(dist, entry), { recursive: true, force: true });
if (!fs.existsSync(path.join(root, 'src/generated/pg/client.ts')))
  throw new Error('src/generated is missing: run npm install (its postinstall generates the Prisma clients)');
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
// data the modules read beside themselves (new URL('./x.json', import.meta.url)): the intent model
const assets = [];
const walk = (dir) => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!['local', 'generated'].includes(path.relative(path.join(root, 'src'), p))) walk(p);
    } else if (e.name.endsWith('.json')) assets.push(p);
  }
};
walk(path.join(root, 'src'));
for (const a of assets) {
  const to = path.join(dist, path.relative(path.join(root, 'src'), a));
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(a, to);
}
// production never carries the local mode
if (fs.existsSync(path.join(dist, 'local'))) throw new Error('dist/local exists: production code imports src/local');
for (const entry of ['app/main.js', 'cli/index.js', 'bot/nlu/model.json'])
  if (!fs.existsSync(path.join(dist, entry))) throw new Error(`dist/${entry} was not built`);
console.log('server compiled into dist/ (node dist/app/main.js, node dist/cli/index.js)');
