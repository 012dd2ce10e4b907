import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The production server built once for this run (see {@link setup}); `node` runs it. */
    productionServerEntry: string;
  }
}

/** Inside the project, so the built server resolves its packages from node_modules. */
const CACHE = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));

/**
 * Builds server/cli/main.ts once per Vitest run, as `npm run build` does, with a one-file
 * client where the built command looks for it (`../../client/` from server/cli/), and hands its path to the test files.
 * Each process test used to build its own copy: three builds on two cores, and two of them
 * emptied the same directory while the other file was starting the server from it. A
 * directory of its own per run keeps two runs in one checkout apart too.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await mkdir(CACHE, { recursive: true });
  const dir = await mkdtemp(join(CACHE, 'signaling-build-'));
  await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      ssr: fileURLToPath(new URL('../cli/main.ts', import.meta.url)),
      outDir: join(dir, 'server', 'cli'),
      emptyOutDir: true,
    },
  });
  await mkdir(join(dir, 'client'));
  await writeFile(join(dir, 'client', 'index.html'), '<!doctype html><title>rooms</title>\n');
  project.provide('productionServerEntry', join(dir, 'server', 'cli', 'main.js'));
  return () => rm(dir, { recursive: true, force: true });
}
