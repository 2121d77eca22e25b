// After `npm prune --omit=dev`: removes the packages that production does not need but npm keeps, i.e. the
// optional peer dependencies that happen to be in the tree as dev dependencies (@prisma/client's optional peers
// `prisma` and `typescript`, and everything only they pull in). What stays is exactly the closure of package.json's
// dependencies over `dependencies`, `optionalDependencies` and required peers, resolved as Node resolves them.
// Usage: node scripts/prune-optional-peers.mjs [dir]   (dir = the app directory holding node_modules; default .)
import fs from 'node:fs';
import path from 'node:path';

const dir = path.resolve(process.argv[2] ?? '.');
const lockPath = fs.existsSync(path.join(dir, 'node_modules/.package-lock.json'))
  ? path.join(dir, 'node_modules/.package-lock.json')
  : path.join(dir, 'package-lock.json');
const packages = JSON.parse(fs.readFileSync(lockPath, 'utf8')).packages;
const rootPkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
const installed = (p) => p in packages && fs.existsSync(path.join(dir, p));

/** where Node finds `name` when required from the package at lockfile path `from` ('' = the app) */
function resolve(from, name) {
  let base = from;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (installed(candidate)) return candidate;
    if (!base) return null;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

const keep = new Set();
const todo = [['', { ...rootPkg.dependencies, ...rootPkg.optionalDependencies }]];
while (todo.length) {
  const [from, deps] = todo.pop();
  for (const name of Object.keys(deps ?? {})) {
    const p = resolve(from, name);
    if (!p || keep.has(p)) continue;
    keep.add(p);
    const e = packages[p];
    const peers = Object.fromEntries(
      Object.entries(e.peerDependencies ?? {}).filter(([n]) => !e.peerDependenciesMeta?.[n]?.optional),
    );
    todo.push([p, { ...e.dependencies, ...e.optionalDependencies, ...peers }]);
  }
}

const removed = [];
for (const p of Object.keys(packages)) {
  if (!p.startsWith('node_modules/') || keep.has(p) || !fs.existsSync(path.join(dir, p))) continue;
  // a package inside a removed one goes with it
  if (removed.some((r) => p.startsWith(`${r}/`))) continue;
  fs.rmSync(path.join(dir, p), { recursive: true, force: true });
  removed.push(p);
}
// command links of removed packages
const bin = path.join(dir, 'node_modules/.bin');
for (const l of fs.existsSync(bin) ? fs.readdirSync(bin) : [])
  if (!fs.existsSync(path.join(bin, l))) fs.rmSync(path.join(bin, l), { force: true });
console.log(
  `kept ${keep.size} production packages; removed ${removed.length}: ${removed.map((r) => r.replace(/^node_modules\//, '')).join(', ') || 'none'}`,
);
