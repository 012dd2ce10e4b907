import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { once, record, startServer, type TestClient, type TestServer } from './helpers.ts';

// Acknowledgements as socket.io-client's users see them: `emitWithAck` resolves with
// `{ data: null }` once a request was handled, or `{ error: code }` when it was refused, and
// the events the codelab reads are sent as ever.

let server: TestServer;

/** `emitWithAck` with a 2 s timeout; the protocol's typed events declare no ack callbacks. */
function ask(client: TestClient, event: string, ...args: unknown[]): Promise<unknown> {
  return (client as unknown as Socket).timeout(2000).emitWithAck(event, ...args);
}
afterEach(async () => {
  await server.close();
});

describe('requests sent with an ack', () => {
  it('resolve once handled, after the events that answer them', async () => {
    server = await startServer({ clientLog: false });
    const alice = await server.connect();
    const created = once(alice, 'created');
    expect(await ask(alice, 'create or join', 'acked')).toEqual({
      data: null,
    });
    expect(await created).toEqual(['acked', alice.id]);
  });

  it('resolve with the refusal code, beside the signaling:error the codelab reads', async () => {
    server = await startServer({ clientLog: false });
    const alice = await server.connect();
    const refused = once(alice, 'signaling:error');
    expect(await ask(alice, 'message', 'nobody to hear')).toEqual({
      error: 'not-in-room',
    });
    expect(await refused).toEqual([
      expect.objectContaining({ event: 'message', code: 'not-in-room' }),
    ]);
  });

  it('answer a wrong PIN, decided after the store, with room-locked, and nobody else', async () => {
    server = await startServer({ clientLog: false });
    const alice = await server.connect();
    await ask(alice, 'create or join', 'vault', { pin: '1234' });
    const heard = record(alice, { all: true });
    const eve = await server.connect();
    const guess = ask(eve, 'create or join', 'vault', { pin: '0000' });
    expect(await guess).toEqual({ error: 'room-locked' });
    // A request without an ack from the same client is answered by events alone.
    const refused = once(eve, 'signaling:error');
    eve.emit('create or join', 'vault', { pin: '0000' });
    expect(await refused).toEqual([expect.objectContaining({ code: 'room-locked' })]);
    expect(heard).toEqual([]);
  });
});
