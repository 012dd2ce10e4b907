// @ts-check
/**
 * Preloaded into each server process the benchmark starts (`--import`), so the production
 * entry stays unchanged: answers the runner's IPC requests with this process's memory and CPU.
 */
process.on('message', (request) => {
  const { id, gc } = /** @type {{ id?: number, gc?: boolean }} */ (request ?? {});
  if (id === undefined) return;
  // Collect first when asked (node runs with --expose-gc): live bytes, not garbage not yet freed.
  if (gc && typeof globalThis.gc === 'function') globalThis.gc();
  process.send?.({ id, memory: process.memoryUsage(), cpu: process.cpuUsage() });
});
// The runner gone (killed, crashed): the server under test goes too.
process.on('disconnect', () => process.exit(0));
