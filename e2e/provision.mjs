// @ts-check
// Gives the tests what they need on a fresh machine before they start: a Chromium for
// Playwright (its own, CHROMIUM_PATH or a system one), a Firefox (FIREFOX_PATH or Debian's
// firefox-esr), the servers some tests start (see TOOLS) and podman for the container test.
// Whatever is missing it provisions and says so, or it stops and says how.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findChromium } from './browser.mjs';
import { findFirefox } from './firefox-browser.mjs';

/**
 * Programs the tests start, and the Debian package of each. A tool with `linuxOnly` serves
 * tests that skip, and say why, where it is missing: provisioned on Linux, never a stop.
 */
/** @type {{ program: string, debian: string, brew: string, linuxOnly?: string }[]} */
const TOOLS = [
  { program: 'redis-server', debian: 'redis-server', brew: 'redis' },
  { program: 'turnserver', debian: 'coturn', brew: 'coturn' },
  // The fleet tests put nginx in front of two processes (run as the test's own, never a service).
  { program: 'nginx', debian: 'nginx', brew: 'nginx' },
  // The NAT lab (e2e/nat-lab.spec.ts) builds network namespaces with nftables routers, as root.
  { program: 'ip', debian: 'iproute2', brew: '', linuxOnly: 'the NAT lab' },
  { program: 'nft', debian: 'nftables', brew: '', linuxOnly: 'the NAT lab' },
];

/** @param {string} command @param {string[]} args */
function run(command, args) {
  console.log(`[provision] $ ${command} ${args.join(' ')}`);
  return spawnSync(command, args, { stdio: 'inherit' }).status === 0;
}

/** @param {string} program */
function onPath(program) {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

let aptUpdated = false;
/** Installs Debian packages where apt-get can (as root, or with sudo). @param {string[]} packages */
function aptInstall(packages) {
  if (!onPath('apt-get')) return false;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot && !onPath('sudo')) return false;
  const [command, ...prefix] = isRoot ? ['apt-get'] : ['sudo', 'apt-get'];
  if (!aptUpdated) aptUpdated = run(command, [...prefix, 'update', '-qq']);
  return run(command, [...prefix, 'install', '-y', '-qq', '--no-install-recommends', ...packages]);
}

const problems = [];

/** @type {ReturnType<typeof findChromium>} */
let browser = null;
try {
  browser = findChromium();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
if (browser) {
  console.log(
    `[provision] Chromium: ${browser.source === 'playwright' ? "Playwright's own" : browser.executablePath}`,
  );
} else {
  console.log("[provision] no Chromium found; trying Playwright's download first");
  const installed =
    (run('npx', ['playwright', 'install', 'chromium']) && findChromium()) ||
    (console.log("[provision] no download; installing Debian's chromium"),
    aptInstall(['chromium']) && findChromium());
  if (!installed) {
    problems.push(
      'a Chromium: run `npx playwright install chromium`, or install Chromium with your package ' +
        'manager (e.g. `sudo apt-get install chromium`), or set CHROMIUM_PATH to a Chromium or Chrome binary',
    );
  }
}

// Firefox runs the cross-browser call specs (e2e/firefox.spec.ts) through puppeteer-core.
/** @type {string | null} */
let firefox = null;
try {
  firefox = findFirefox();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
if (firefox) {
  console.log(`[provision] Firefox: ${firefox}`);
} else {
  console.log("[provision] no Firefox found; installing Debian's firefox-esr");
  if (!(aptInstall(['firefox-esr']) && findFirefox())) {
    problems.push(
      'a Firefox: install it (Debian/Ubuntu: `sudo apt-get install firefox-esr`; macOS: `brew install --cask firefox`), or set FIREFOX_PATH to a Firefox binary',
    );
  }
}

const missing = TOOLS.filter(
  (tool) => !onPath(tool.program) && (!tool.linuxOnly || process.platform === 'linux'),
);
if (missing.length > 0) {
  const packages = missing.map((tool) => tool.debian);
  console.log(
    `[provision] missing ${missing.map((t) => t.program).join(', ')}; installing ${packages.join(' ')}`,
  );
  aptInstall(packages);
  for (const tool of missing) {
    if (onPath(tool.program)) continue;
    if (tool.linuxOnly) {
      console.log(`[provision] no ${tool.program}: ${tool.linuxOnly} will skip and say why`);
    } else
      problems.push(
        `${tool.program}: install it (Debian/Ubuntu: \`sudo apt-get install ${tool.debian}\`; macOS: \`brew install ${tool.brew}\`)`,
      );
  }
}

// The container test (server/test/container.test.ts) builds the image and runs compose.yaml
// with podman. Where apt can install what it needs it does (CI); elsewhere it skips and says so.
/** The Debian packages of the container test, each with the file that shows it installed. */
const CONTAINER_TOOLS = [
  { debian: 'podman', file: '/usr/bin/podman' },
  { debian: 'runc', file: '/usr/sbin/runc' },
  { debian: 'mmdebstrap', file: '/usr/bin/mmdebstrap' },
  { debian: 'docker-compose', file: '/usr/bin/docker-compose' },
  // An init for coturn (compose's `init: true`), and compose's service names resolving.
  { debian: 'catatonit', file: '/usr/libexec/podman/catatonit' },
  { debian: 'netavark', file: '/usr/lib/podman/netavark' },
  { debian: 'aardvark-dns', file: '/usr/lib/podman/aardvark-dns' },
  // netavark sets up the containers' network with iptables; without it every container on a
  // compose network fails to start ("netavark: No such file or directory").
  { debian: 'iptables', file: '/usr/sbin/iptables' },
];
const containerToolsMissing = () => CONTAINER_TOOLS.filter((tool) => !existsSync(tool.file));
if (process.platform === 'linux' && containerToolsMissing().length > 0) {
  const packages = containerToolsMissing().map((tool) => tool.debian);
  console.log(`[provision] for the container test: installing ${packages.join(' ')}`);
  aptInstall(packages);
  const still = containerToolsMissing().map((tool) => tool.debian);
  if (still.length > 0) {
    console.log(`[provision] no ${still.join(', ')}: the container test will skip`);
  }
}

if (problems.length > 0) {
  console.error(
    `[provision] the tests need, and could not install:\n- ${problems.join('\n- ')}\nthen run \`npm test\` again.`,
  );
  process.exit(1);
}
