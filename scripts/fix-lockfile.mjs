// The npm registry reachable here serves only this platform's optional binaries (others answer 404), so
// `npm install` leaves them out of package-lock.json and `npm ci` then refuses the lockfile as out of sync.
// This adds a stub entry (version, os, cpu) for each missing optional dependency: npm ci skips them as being for
// another platform. Run it after every `npm install`: node scripts/fix-lockfile.mjs
import fs from 'node:fs';

const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8'));
const pk = lock.packages;
let added = 0;
for (const [p, meta] of Object.entries(pk)) {
  for (const [dep, spec] of Object.entries(meta.optionalDependencies ?? {})) {
    // resolve like node: nested first then top
    const nested = (p ? p + '/' : '') + 'node_modules/' + dep;
    const top = 'node_modules/' + dep;
    if (pk[nested] || pk[top]) continue;
    const m = /(win32|darwin|linux|android|freebsd|openbsd|sunos|aix|netbsd)/.exec(dep);
    const c = /(arm64|x64|arm|ia32|ppc64|s390x|riscv64|loong64|wasm32|mips64el)/.exec(dep);
    const entry = { version: String(spec).replace(/^[\^~=]/, ''), optional: true };
    if (meta.dev) entry.dev = true;
    if (m) entry.os = [m[1]];
    if (c) entry.cpu = [c[1]];
    if (/musl/.test(dep)) entry.libc = ['musl'];
    pk[top] = entry;
    added++;
    console.log('stub', top, JSON.stringify(entry));
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pk).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
fs.writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log('added', added);
