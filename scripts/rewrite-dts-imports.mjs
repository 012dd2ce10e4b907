// @ts-check
/**
 * `node scripts/rewrite-dts-imports.mjs dist`: after `tsc -p tsconfig.build.json`, points the
 * relative imports of the emitted .d.ts files at `.js`, as tsc already does in the .js files.
 * tsc keeps the sources' `.ts` extensions in declarations (microsoft/TypeScript#61037);
 * TypeScript 5 resolves those, but older TypeScript, editors and tools that follow the specifier
 * to a file do not, as no `.ts` file is shipped.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
if (!root) {
  console.error('usage: node scripts/rewrite-dts-imports.mjs <dir>');
  process.exit(2);
}
// `from './a.ts'`, `import './a.ts'` and `import('./a.ts')`, with either quote.
const specifier = /((?:\bfrom|\bimport)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.ts\2/g;
let files = 0;
for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
  const path = join(entry.parentPath, entry.name);
  const text = readFileSync(path, 'utf8');
  const rewritten = text.replace(specifier, '$1$2$3.js$2');
  if (rewritten !== text) {
    writeFileSync(path, rewritten);
    files++;
  }
}
console.log(`[build] .d.ts imports now end in .js, in ${files} files under ${root}`);
