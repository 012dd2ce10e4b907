/**
 * A podman of the container test's own: its configuration, storage and API socket live under
 * `.cache/podman/` (ignored by git), never in the machine's global configuration, and
 * docker-compose talks to it through `DOCKER_HOST`. The images no registry here can give are
 * built as stand-ins under the official names (stand-ins.ts) and stay cached in that storage.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root: the build context and the compose project's directory. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The command that installs what the test needs, on Debian. */
export const INSTALL =
  'sudo apt-get install podman runc mmdebstrap docker-compose catatonit netavark aardvark-dns iptables';

/** What the test needs: each file, as the Debian packages of {@link INSTALL} place it. */
const TOOLS = [
  '/usr/bin/podman',
  '/usr/sbin/runc',
  '/usr/bin/mmdebstrap',
  '/usr/bin/docker-compose',
  '/usr/libexec/podman/catatonit',
  '/usr/lib/podman/netavark',
  '/usr/lib/podman/aardvark-dns',
  '/usr/sbin/iptables',
];

/**
 * What this machine lacks for the test: the files of {@link TOOLS}, or Linux, or root (the
 * settings here are podman's as root; rootless podman needs subordinate ids set up).
 */
export function missingTools(): string[] {
  if (process.platform !== 'linux') return ['Linux'];
  if (process.getuid?.() !== 0) return ['root (run it as root)'];
  return TOOLS.filter((file) => !existsSync(file));
}

/** How long a command may take, and more environment for it. */
export interface RunOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
}

/** A running podman API service and the environment that reaches it. */
export interface Podman {
  /** For podman, docker-compose and anything they start. */
  env: NodeJS.ProcessEnv;
  /**
   * Runs `command` in the repository with {@link Podman.env} (and `env`) and resolves with its
   * output; rejects with it on failure or after `timeoutMs` (5 min).
   */
  run(command: string, args: string[], options?: RunOptions): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Writes podman's configuration into `dir` and returns the environment that points podman at
 * it. The settings are the ones that work on a machine like CI's: runc (crun refuses cgroups
 * in hybrid mode), cgroupfs and a file for events (no systemd), the host's network for builds
 * (`npm ci` in a build reaches the registry), and open-file limits under what it allows.
 */
async function writeConfig(dir: string): Promise<Record<string, string>> {
  await mkdir(join(dir, 'networks'), { recursive: true });
  const files = {
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
    CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
  };
  const containers = [
    '[containers]',
    'netns = "host"',
    'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]',
    '[engine]',
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    `events_logfile_path = "${join(dir, 'events.log')}"`,
    `tmp_dir = "${join(dir, 'tmp')}"`,
    '[network]',
    // Service names resolve only with aardvark-dns, which needs netavark (not CNI).
    'network_backend = "netavark"',
    `network_config_dir = "${join(dir, 'networks')}"`,
  ];
  await writeFile(files.CONTAINERS_CONF, `${containers.join('\n')}\n`);
  const storage = [
    '[storage]',
    'driver = "overlay"',
    `graphroot = "${join(dir, 'storage')}"`,
    `runroot = "${join(dir, 'run')}"`,
  ];
  await writeFile(files.CONTAINERS_STORAGE_CONF, `${storage.join('\n')}\n`);
  // `FROM node:26-slim` and compose's images resolve as Docker would, to docker.io; with
  // --pull=never nothing is fetched: the stand-ins answer.
  await writeFile(
    files.CONTAINERS_REGISTRIES_CONF,
    'unqualified-search-registries = ["docker.io"]\n',
  );
  return files;
}

/** Writes the configuration and starts `podman system service` on a socket of its own. */
export async function startPodman(): Promise<Podman> {
  const dir = join(ROOT, '.cache', 'podman');
  const files = await writeConfig(dir);
  const socket = join(dir, 'podman.sock');
  const env = { ...process.env, ...files, DOCKER_HOST: `unix://${socket}` };
  const service = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  service.stderr?.on('data', (chunk) => {
    errors += chunk;
  });
  const run = (command: string, args: string[], options: RunOptions = {}) =>
    runIn({ ...env, ...options.env }, command, args, options.timeoutMs ?? 300_000);
  await waitForService(service, socket, () => errors);
  return {
    env,
    run,
    async stop() {
      if (service.exitCode !== null) return;
      const exited = new Promise((resolve) => service.once('exit', resolve));
      service.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resolves once the service answers Docker's `/_ping` on `socket`. */
async function waitForService(
  service: ChildProcess,
  socket: string,
  errors: () => string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && service.exitCode === null) {
    const status = await new Promise<number>((resolve) => {
      const req = request({ socketPath: socket, path: '/_ping', timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', () => resolve(0));
      req.once('timeout', () => req.destroy());
      req.end();
    });
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`[container] podman system service did not answer:\n${errors()}`);
}

function runIn(
  env: NodeJS.ProcessEnv,
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env, cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `[container] ${command} ${args.join(' ')}: ${error.message}\n${stdout}${stderr}`,
            ),
          );
        else resolve(`${stdout}${stderr}`);
      },
    );
  });
}

/** Whether the image `name` is in the test's storage already. */
export async function imageExists(podman: Podman, name: string): Promise<boolean> {
  return podman.run('podman', ['image', 'exists', name]).then(
    () => true,
    () => false,
  );
}
