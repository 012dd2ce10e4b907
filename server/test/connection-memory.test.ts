import type { IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { joinAs, once, startServer, type TestServer, waitFor } from './helpers.ts';

// What an idle connection keeps (docs/scaling.md#what-a-connection-keeps): the request that
// opened it is read once, for its address, and then nothing holds it. These tests reach the
// engine.io internals that server/http/upgrade-response.ts relies on: if an upgrade of
// engine.io or socket.io keeps the request alive some other way, they fail.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Resolves once every request in `refs` has been collected (a full collection each try). */
async function collected(refs: WeakRef<IncomingMessage>[]): Promise<void> {
  await waitFor(() => {
    gc();
    return refs.every((ref) => ref.deref() === undefined);
  }, 'the requests to be collected');
}

/** Every request that reaches the server from now on, held weakly. */
function watchRequests(server: TestServer): WeakRef<IncomingMessage>[] {
  const refs: WeakRef<IncomingMessage>[] = [];
  server.http.on('upgrade', (request: IncomingMessage) => refs.push(new WeakRef(request)));
  server.http.prependListener('request', (request: IncomingMessage) =>
    refs.push(new WeakRef(request)),
  );
  return refs;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('an idle connection', () => {
  it('keeps no request once it is seated over websocket, and still counts by its address', async () => {
    server = await startServer();
    const refs = watchRequests(server);
    const alice = await server.connect();
    const bob = await server.connect();
    await joinAs(alice, 'lean', 'created');
    await joinAs(bob, 'lean', 'joined');
    expect(refs.length).toBe(2);
    await collected(refs);
    // The address read at the handshake still counts both connections, and is released.
    expect(server.handle.openAddresses()).toBe(1);
    expect(server.handle.tracked().engineConnections).toBe(2);
    alice.disconnect();
    bob.disconnect();
    await waitFor(() => server?.handle.openAddresses() === 0, 'the address to be released');
  });

  it('keeps neither the polling handshake nor the upgrade request once upgraded', async () => {
    server = await startServer();
    const refs = watchRequests(server);
    const client = await server.connect({ transports: ['polling', 'websocket'] });
    await waitFor(() => client.io.engine.transport.name === 'websocket', 'the upgrade');
    await joinAs(client, 'lean-polling', 'created');
    expect(refs.length).toBeGreaterThanOrEqual(2);
    await collected(refs);
    expect(server.handle.openAddresses()).toBe(1);
  });

  it('leaves engine middlewares the response close they may listen to', async () => {
    server = await startServer();
    const closed: string[] = [];
    server.handle.io.engine.use((request: IncomingMessage, response: unknown, next: () => void) => {
      const url = request.url ?? '';
      if (url.includes('transport=websocket')) {
        (response as { once(event: 'close', listener: () => void): void }).once('close', () =>
          closed.push(url),
        );
      }
      next();
    });
    const client = await server.connect();
    const gone = once(client, 'disconnect');
    client.io.engine.close();
    await gone;
    await waitFor(() => closed.length === 1, "the response's close");
  });
});
