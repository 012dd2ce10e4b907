/**
 * Preloaded into each server process the benchmark starts (`--import`), so the production
 * entry stays unchanged: answers the runner's IPC requests with this process's memory and CPU.
 */

/** What the runner asks: a sample, numbered, after a full collection when `gc`. */
export interface SampleRequest {
  id?: number;
  gc?: boolean;
}

/** What the probe answers. */
export interface SampleReply {
  id: number;
  memory: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
}

process.on('message', (request: SampleRequest | null) => {
  const { id, gc } = request ?? {};
  if (id === undefined) return;
  // Collect first when asked (node runs with --expose-gc): live bytes, not garbage not yet freed.
  if (gc && typeof globalThis.gc === 'function') globalThis.gc();
  const reply: SampleReply = { id, memory: process.memoryUsage(), cpu: process.cpuUsage() };
  process.send?.(reply);
});
// The runner gone (killed, crashed): the server under test goes too.
process.on('disconnect', () => process.exit(0));
