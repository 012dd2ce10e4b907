// @ts-check
/**
 * `node scripts/with-node.mjs <major|lts> <command> [arguments]`: runs the command with that
 * Node release line first on PATH (fetched from npm once, see node-binaries.mjs), so the
 * command, and every `node` or `npm` it starts (Playwright's web servers), run on it.
 * `npm test` runs the browser suite this way on the newest LTS.
 */
import { spawnSync } from 'node:child_process';
import { delimiter, dirname } from 'node:path';
import { NEWEST_LTS, nodeBinary } from './node-binaries.mjs';

const [line, command, ...args] = process.argv.slice(2);
const major = line === 'lts' ? NEWEST_LTS : Number(line);
if (!command || !Number.isInteger(major)) {
  console.error('usage: node scripts/with-node.mjs <major|lts> <command> [arguments]');
  process.exit(2);
}
const bin = dirname(nodeBinary(major));
const version = spawnSync(`${bin}/node`, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`[node] ${command} ${args.join(' ')} on Node ${version}`);
const run = spawnSync(command, args, {
  stdio: 'inherit',
  env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
});
process.exit(run.status ?? 1);
