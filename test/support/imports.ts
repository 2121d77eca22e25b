/**
 * The static import graph of our TypeScript: every `import … from`, `export … from`, side-effect `import '…'`,
 * `import('…')` and `require('…')` with a relative specifier (found by TypeScript's own pre-processor, so comments
 * and strings are not mistaken for imports), followed from an entry file. Used to prove what production can reach.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** the relative modules `file` imports, as absolute .ts paths */
export function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out = new Set<string>();
  for (const { fileName: spec } of ts.preProcessFile(text, true, true).importedFiles) {
    if (!spec.startsWith('.')) continue;
    const abs = path.resolve(path.dirname(file), spec);
    const candidates = [abs.replace(/\.js$/, '.ts'), `${abs}.ts`, path.join(abs, 'index.ts'), abs];
    const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
    if (!found) throw new Error(`${file}: cannot resolve ${spec}`);
    out.add(found);
  }
  return [...out];
}

/** every module reachable from the entries (the entries included) */
export function reachable(...entries: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = entries.map((e) => path.resolve(e));
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    if (seen.has(f)) continue;
    seen.add(f);
    todo.push(...importsOf(f));
  }
  return seen;
}
