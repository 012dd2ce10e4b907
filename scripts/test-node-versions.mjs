// @ts-check
/**
 * `node scripts/test-node-versions.mjs [--only 22,26] [vitest arguments]`: the unit and
 * integration suites (Vitest) once on each tested Node release line, one after another, then a
 * table of the result and time of each. Vitest runs under that Node, and so does every
 * production server or fleet a test spawns (they start `process.execPath`). Every line runs
 * even when one fails; the exit code is 1 if any failed.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nodeBinary, TESTED_MAJORS } from './node-binaries.mjs';

const { values, positionals } = parseArgs({
  options: { only: { type: 'string' } },
  allowPositionals: true,
  strict: false,
});
const majors = typeof values.only === 'string' ? values.only.split(',').map(Number) : TESTED_MAJORS;
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));

/** @type {{ major: number, version: string, result: string, seconds: number }[]} */
const rows = [];
for (const major of majors) {
  const node = nodeBinary(major);
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\n[node] Vitest on Node ${version} (${node})`);
  const started = performance.now();
  const run = spawnSync(node, [vitest, 'run', ...positionals], { stdio: 'inherit' });
  const seconds = Math.round((performance.now() - started) / 1000);
  rows.push({ major, version, result: run.status === 0 ? 'passed' : 'FAILED', seconds });
}

console.log('\n[node] | Node | Vitest | time |\n[node] | --- | --- | --- |');
for (const row of rows) console.log(`[node] | ${row.version} | ${row.result} | ${row.seconds} s |`);
if (rows.some((row) => row.result !== 'passed')) process.exit(1);
