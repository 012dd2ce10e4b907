/**
 * Stand-ins for the official images compose.yaml and the Dockerfile name, built here because no
 * registry can be reached: a Debian rootfs from apt's own sources (mmdebstrap), imported into
 * the test's podman and tagged with the official name, so `FROM node:26-slim` and compose's
 * `image:` lines resolve unchanged with nothing pulled. Built once, then cached in the test's
 * podman storage (.cache/podman/). The machine's CA goes into the Node stand-in only: where
 * HTTPS is intercepted, `npm ci` in a build trusts it; the project's Dockerfile knows nothing
 * of it.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEWEST_LTS, nodeBinary } from '../../scripts/node-binaries.mjs';
import { imageExists, type Podman } from './podman.ts';

/** The official images the project's files name, and the stand-in recipe for each. */
export const STAND_INS = {
  node: `docker.io/library/node:${NEWEST_LTS}-slim`,
  redis: 'docker.io/library/redis:7-bookworm',
  nginx: 'docker.io/library/nginx:stable-bookworm',
  coturn: 'docker.io/coturn/coturn:4.6',
} as const;

const SERVICES_BASE = 'localhost/webrtc-rooms-stand-in/services:bookworm';
const SOURCES = '/etc/apt/sources.list.d/debian.sources';
const CA_DIR = '/usr/local/share/ca-certificates';

/** Builds whichever stand-in is missing; resolves with the names it built. */
export async function ensureStandIns(podman: Podman): Promise<string[]> {
  const built: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'webrtc-rooms-stand-ins-'));
  const services = [STAND_INS.redis, STAND_INS.nginx, STAND_INS.coturn];
  const missing: string[] = [];
  for (const name of services) if (!(await imageExists(podman, name))) missing.push(name);
  try {
    // The two Debian roots download at once: on a cold machine that is most of the time.
    await Promise.all([
      (async () => {
        if (await imageExists(podman, STAND_INS.node)) return;
        await buildNode(podman, work);
        built.push(STAND_INS.node);
      })(),
      (async () => {
        if (missing.length === 0) return;
        if (!(await imageExists(podman, SERVICES_BASE))) {
          const packages = ['redis-server', 'nginx-light', 'coturn'];
          await importRootfs(podman, work, 'services', packages, SERVICES_BASE);
        }
        for (const name of missing) await buildService(podman, work, name);
        built.push(...missing);
      })(),
    ]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return built;
}

/** A minimal Debian with `packages`, from apt's sources, imported as `tag`. */
async function importRootfs(
  podman: Podman,
  work: string,
  name: string,
  packages: string[],
  tag: string,
): Promise<void> {
  const tar = join(work, `${name}.tar`);
  const sources = existsSync(SOURCES) ? [SOURCES] : [];
  await podman.run(
    'mmdebstrap',
    [
      '--variant=minbase',
      `--include=${['ca-certificates', ...packages].join(',')}`,
      // As the machine's apt is told (its mirror may serve a snapshot).
      '--aptopt=Acquire::Check-Valid-Until "false"',
      'bookworm',
      tar,
      ...sources,
    ],
    { timeoutMs: 600_000 },
  );
  await podman.run('podman', ['import', tar, tag], { timeoutMs: 300_000 });
  rmSync(tar);
}

/**
 * node:<LTS>-slim as the official one is laid out: Node and npm in /usr/local, the `node` user
 * (uid 1000), on Debian slim with the libraries Node needs.
 */
async function buildNode(podman: Podman, work: string): Promise<void> {
  const base = 'localhost/webrtc-rooms-stand-in/node-base:bookworm';
  if (!(await imageExists(podman, base))) {
    await importRootfs(podman, work, 'node-base', ['libatomic1'], base);
  }
  const context = join(work, 'node');
  mkdirSync(join(context, 'ca'), { recursive: true });
  cpSync(nodeBinary(NEWEST_LTS), join(context, 'node'));
  execFileSync('npm', ['pack', 'npm@11', '--silent', '--pack-destination', context]);
  const npm = readdirSync(context).find((file) => file.endsWith('.tgz')) ?? 'npm.tgz';
  mkdirSync(join(context, 'npm'));
  execFileSync('tar', [
    '-xzf',
    join(context, npm),
    '-C',
    join(context, 'npm'),
    '--strip-components=1',
  ]);
  rmSync(join(context, npm));
  if (existsSync(CA_DIR)) cpSync(CA_DIR, join(context, 'ca'), { recursive: true });
  writeFileSync(
    join(context, 'Containerfile'),
    `FROM ${base}
COPY ca/ /usr/local/share/ca-certificates/
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN update-ca-certificates \\
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd --gid 1000 node && useradd --uid 1000 --gid node --create-home node
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
`,
  );
  await podman.run('podman', ['build', '--pull=never', '-t', STAND_INS.node, context], {
    timeoutMs: 600_000,
  });
}

/** Redis, nginx or coturn on the Debian base, with the official image's user and entrypoint. */
async function buildService(podman: Podman, work: string, name: string): Promise<void> {
  const recipe: Record<string, string> = {
    [STAND_INS.redis]: 'USER redis\nCMD ["redis-server"]',
    [STAND_INS.nginx]: 'CMD ["nginx", "-g", "daemon off;"]',
    // The official image runs turnserver with its arguments, as an unprivileged user.
    [STAND_INS.coturn]: 'USER nobody\nENTRYPOINT ["turnserver"]',
  };
  const context = join(work, name.replace(/\W+/g, '-'));
  mkdirSync(context);
  writeFileSync(join(context, 'Containerfile'), `FROM ${SERVICES_BASE}\n${recipe[name]}\n`);
  await podman.run('podman', ['build', '--pull=never', '-t', name, context], {
    timeoutMs: 300_000,
  });
}
