#!/usr/bin/env node
// The time from the fourth tab's join to all six links of a group of four open, median of N runs
// (default 5): runs the measuring test of e2e/mesh.spec.ts N times and prints the medians of what
// it reports. Run under the e2e lock, e.g.
//   flock /tmp/e2e.lock env CI=1 node scripts/group-join-median.mjs 5
import { spawnSync } from 'node:child_process';

const runs = Number(process.argv[2] ?? 5);
const result = spawnSync(
  'npx',
  [
    'playwright',
    'test',
    'e2e/mesh.spec.ts',
    '--project=production',
    '-g',
    'measures',
    `--repeat-each=${runs}`,
    '--workers=1',
    '--retries=0',
  ],
  { encoding: 'utf8', env: { MESH_CPU_SECONDS: '1', ...process.env } },
);
const output = `${result.stdout}${result.stderr}`;
/** @param {number[]} values */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (/** @type {number} */ i) => sorted[i] ?? Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
};
for (const label of [
  'fourth seat to its three links open (ms)',
  'fourth page load to all six links seen open by the test (ms)',
]) {
  const values = [
    ...output.matchAll(new RegExp(`\\[mesh\\] ${label.replace(/[()]/g, '\\$&')}: (\\d+)`, 'g')),
  ].map((match) => Number(match[1]));
  console.log(`${label}: median ${median(values)} of ${values.length} runs [${values.join(', ')}]`);
}
process.exit(result.status ?? 1);
