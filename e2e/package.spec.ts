import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify, stripVTControlCharacters } from 'node:util';
import { expect, test } from './fixtures.ts';
import { freePort } from './servers.ts';

// A stranger's first hour: `npm pack` the build, install the tarball in a fresh Vite app that
// uses the plugin and the client entry, and run the package's command. Both must let two tabs
// meet. One install for both, from the warm npm cache.

const root = fileURLToPath(new URL('../', import.meta.url));
const run = promisify(execFile);
const viteVersion = (
  JSON.parse(readFileSync(join(root, 'node_modules/vite/package.json'), 'utf8')) as {
    version: string;
  }
).version;

const APP_FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'stranger-app', private: true, type: 'module' }),
  'index.html':
    '<!doctype html><title>stranger</title><script type="module" src="/main.ts"></script>',
  'main.ts': [
    "import 'webrtc-rooms/client';",
    "document.body.append(document.createElement('rooms-app'));",
  ].join('\n'),
  'vite.config.ts': [
    "import { defineConfig } from 'vite';",
    "import { signaling } from 'webrtc-rooms/vite';",
    'export default defineConfig({ plugins: [signaling()] });',
  ].join('\n'),
};

/** Packs this repository's build into `dir` and returns the tarball's path. */
async function pack(dir: string): Promise<string> {
  for (const built of ['dist/server/cli/main.js', 'dist/client/index.html']) {
    if (!existsSync(join(root, built))) {
      throw new Error(`[e2e] ${built} is missing: run \`npm run build\` first`);
    }
  }
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  return join(dir, filename);
}

/**
 * Starts `command` in `cwd` in a process group of its own (npx runs node under npm and a
 * shell), registers its stop in `stops` at once, and resolves once its output (without colours)
 * matches `ready`. The stop ends the whole group.
 */
async function start(
  stops: (() => Promise<void>)[],
  cwd: string,
  command: string,
  args: string[],
  ready: RegExp,
): Promise<() => Promise<void>> {
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => stopGroup(child);
  stops.push(stop);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += stripVTControlCharacters(chunk.toString());
      if (ready.test(output)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited (${code}):\n${output}`)));
  });
  return stop;
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  await exited;
}

test('a stranger installs the package: the Vite plugin and the command both let two tabs meet', async ({
  openPair,
  room,
}) => {
  test.setTimeout(240_000);
  const work = await mkdtemp(join(tmpdir(), 'webrtc-rooms-stranger-'));
  const stops: (() => Promise<void>)[] = [];
  const began = Date.now();
  const phase = (name: string) => {
    const description = `${name}: ${Date.now() - began} ms`;
    test.info().annotations.push({ type: 'phase', description });
    console.log(`[package] ${description}`);
  };
  try {
    const tarball = await pack(work);
    const app = join(work, 'app');
    await mkdir(app);
    for (const [name, text] of Object.entries(APP_FILES)) await writeFile(join(app, name), text);
    phase('packed');
    await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `vite@${viteVersion}`],
      { cwd: app },
    );
    phase('installed');

    const vitePort = await freePort();
    const stopVite = await start(
      stops,
      app,
      join(app, 'node_modules/.bin/vite'),
      ['--port', String(vitePort), '--strictPort', '--host', '127.0.0.1'],
      /Local: +http/,
    );
    await openPair(`http://127.0.0.1:${vitePort}/${room}`);
    phase('met on the Vite plugin');
    await stopVite();

    // The command as npm linked it; npx (below) finds the same link.
    const help = await run(join(app, 'node_modules/.bin/webrtc-rooms'), ['--help']);
    expect(help.stdout).toMatch(/--port <n> +PORT +8080/);
    const port = await freePort();
    await start(
      stops,
      app,
      'npx',
      ['webrtc-rooms', '--port', String(port), '--host', '127.0.0.1'],
      /signaling on http/,
    );
    const [alice] = await openPair(`http://127.0.0.1:${port}/${room}`);
    await expect(alice.connection).toHaveText('Connected');
    phase('met on the command');
  } finally {
    for (const stop of stops) await stop();
    await rm(work, { recursive: true, force: true });
  }
});
