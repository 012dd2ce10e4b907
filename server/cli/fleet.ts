/**
 * `npm run fleet [-- --processes N --port P]`: the multi-process mode on one machine, to see it
 * work. Starts redis-server, N production processes (2) on it and nginx on 127.0.0.1:P (8080,
 * or `PORT`) with server/fleet/nginx.conf, prints the URL, and on Ctrl-C (SIGINT, SIGTERM or
 * SIGHUP) stops nginx, then the processes, then Redis. If any of them ends by itself, it stops
 * the rest and exits with 1. Builds the production server first when dist/server/cli/main.js
 * is missing (or with --build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Fleet, startFleet } from '../fleet/fleet.ts';

const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '2' },
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    entry: { type: 'string' },
    build: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

function whole(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`[fleet] --${name} must be a whole number from ${min} to ${max}, got ${raw}`);
    process.exit(2);
  }
  return value;
}

const processes = whole('processes', values.processes, 1, 64);
const port = whole('port', values.port, 0, 65535);
const entry =
  values.entry ?? fileURLToPath(new URL('../../dist/server/cli/main.js', import.meta.url));
if (values.build || (!values.entry && !existsSync(entry))) {
  console.log('[fleet] building the production server (npm run build)');
  const built = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(1);
}

let fleet: Fleet | undefined;
let stopping = false;
async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await fleet?.stop();
  console.log(`[fleet] stopped: ${fleet?.exitOrder.join(', ') || 'nothing was running'}`);
  process.exit(code);
}
// The children run in process groups of their own (server/fleet/fleet.ts), so a Ctrl-C reaches
// only this process (npm and tsx may pass it on again: it is heard once) and the fleet stops
// them in order. SIGHUP is a closed terminal.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    console.log(`[fleet] ${signal}: stopping nginx, then the processes, then redis-server`);
    void stopAll(0);
  });
}

try {
  fleet = await startFleet({
    entry,
    processes,
    port,
    log: values.quiet ? undefined : (line) => console.log(line),
  });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await stopAll(1);
}
if (fleet && !stopping) {
  const ports = fleet.backends.map((backend) => backend.port).join(', ');
  console.log(
    `[fleet] ${processes} processes (ports ${ports}) on ${fleet.redisUrl}, behind nginx:\n` +
      `[fleet] open ${fleet.url}/ (Ctrl-C stops everything)`,
  );
  const ended = await fleet.unexpectedExit;
  if (!stopping) {
    console.error(`[fleet] ${ended.name} ended by itself; stopping everything`);
    await stopAll(1);
  }
}
