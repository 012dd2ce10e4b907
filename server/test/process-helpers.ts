import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** Where the fault and soak tests build the production server (node_modules resolves from there). */
const OUT = fileURLToPath(
  new URL('../../node_modules/.cache/signaling-process-tests/', import.meta.url),
);

/**
 * Builds server/cli/main.ts as `npm run build` does, with a one-file client beside it (main.ts
 * serves `../client/`), and returns the entry's path. Tests spawn it with plain `node`.
 */
export async function buildProductionServer(): Promise<string> {
  await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      ssr: fileURLToPath(new URL('../cli/main.ts', import.meta.url)),
      outDir: `${OUT}server`,
      emptyOutDir: true,
    },
  });
  await mkdir(`${OUT}client`, { recursive: true });
  await writeFile(`${OUT}client/index.html`, '<!doctype html><title>rooms</title>\n');
  return `${OUT}server/main.js`;
}

/** A production server in a child process. */
export interface ChildServer {
  process: ChildProcess;
  url: string;
  port: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/**
 * Spawns the built server on 127.0.0.1 (PORT 0 unless `env` says otherwise) and resolves once it
 * listens. `nodeArgs` go before the entry (e.g. `--expose-gc`).
 */
export async function spawnServer(
  entry: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
  listenTimeoutMs = 10_000,
): Promise<ChildServer> {
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const deadline = setTimeout(
      () => reject(new Error(`server did not listen:\n${output}`)),
      listenTimeoutMs,
    );
    const check = () => {
      const match = /signaling on http:\/\/[^:]+:(\d+)\//.exec(output);
      if (match) {
        clearTimeout(deadline);
        child.stdout?.off('data', check);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', check);
    void exited.then(() => reject(new Error(`server exited before listening:\n${output}`)));
  });
  return { process: child, port, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}
