import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  JoinOptions,
  RequestAck,
  RoomNames,
  RoomPeek,
  SignalingError,
} from '../protocol/index.ts';
import { MemoryRooms } from '../stores/memory.ts';
import {
  joinAs,
  once,
  record,
  roomToken,
  startServer,
  type TestClient,
  type TestServer,
  waitFor,
} from './helpers.ts';

// Display names on the wire (given with a join, told to the room in `room:names`) and the
// join screen's look at a room before joining (`room:peek`).

let server: TestServer;
afterEach(async () => {
  await server.close();
});

/** Joins with `options` and resolves with the answer's event name, or the refusal. */
function join(
  client: TestClient,
  room: string,
  options: JoinOptions,
): Promise<string | SignalingError> {
  return new Promise((resolve) => {
    client.once('created', () => resolve('created'));
    client.once('joined', () => resolve('joined'));
    client.once('signaling:error', (error) => resolve(error));
    client.emit('create or join', room, options);
  });
}

/** Sends `room:peek` with an ack (the protocol's typed events declare no ack callbacks). */
function peekAck(client: TestClient, room: unknown): Promise<RequestAck> {
  return (client as unknown as Socket).timeout(2000).emitWithAck('room:peek', room);
}

/** Peeks at `room`: the answer, or the ack's refusal code. */
async function peek(client: TestClient, room: unknown): Promise<RoomPeek | RequestAck> {
  const answer = once<[RoomPeek]>(client, 'room:peek');
  const ack = await peekAck(client, room);
  if ('error' in ack) return ack;
  return (await answer)[0];
}

describe('display names', () => {
  it('are told to every member of the room, by id, once a named member sits', async () => {
    server = await startServer({ clientLog: false });
    const alice = await server.connect();
    expect(await join(alice, 'named', { name: 'Alice' })).toBe('created');
    const bob = await server.connect();
    const aliceHears = once<[RoomNames]>(alice, 'room:names');
    const bobHears = once<[RoomNames]>(bob, 'room:names');
    expect(await join(bob, 'named', { name: '  Bob   the  Builder ' })).toBe('joined');
    const expected = {
      room: 'named',
      names: { [alice.id!]: 'Alice', [bob.id!]: 'Bob the Builder' },
    };
    expect((await aliceHears)[0]).toEqual(expected);
    expect((await bobHears)[0]).toEqual(expected);
  });

  it('are normalised to NFC, so the same name looks the same whoever typed it', async () => {
    server = await startServer({ clientLog: false });
    const alice = await server.connect();
    await join(alice, 'nfc', { name: 'Zoe\u0301' });
    const bob = await server.connect();
    const heard = once<[RoomNames]>(bob, 'room:names');
    await join(bob, 'nfc', { name: 'Ren\u00e9' });
    expect(Object.values((await heard)[0].names)).toEqual(['Zo\u00e9', 'Ren\u00e9']);
  });

  it.each([
    ['a control character', 'Eve\u0007', 'control characters'],
    ['a bidi override', 'Eve\u202Egnp.exe', 'control characters'],
    ['an empty name', '   ', 'empty'],
    ['a name too long', 'x'.repeat(41), 'longer than 40'],
    ['a number', 42, 'must be a string'],
  ])('refuse %s with invalid-name, and seat nobody', async (_what, name, says) => {
    server = await startServer({ clientLog: false });
    const eve = await server.connect();
    const answer = await join(eve, 'room', { name } as unknown as JoinOptions);
    expect(answer).toMatchObject({ event: 'create or join', code: 'invalid-name' });
    expect((answer as SignalingError).message).toContain(says);
    expect(await peek(eve, 'room')).toMatchObject({ members: 0 });
    // The refusal changed nothing: the same tab joins with a good name.
    expect(await join(eve, 'room', { name: 'Eve' })).toBe('created');
  });

  it('keep emoji sequences whole (joiners are not control characters)', async () => {
    server = await startServer({ clientLog: false });
    const alice = await server.connect();
    expect(await join(alice, 'emoji', { name: 'Ana 👩‍💻' })).toBe('created');
    const bob = await server.connect();
    expect(await peek(bob, 'emoji')).toMatchObject({ names: ['Ana 👩‍💻'] });
  });

  it('add nothing to a codelab room: members without names hear exactly the codelab events', async () => {
    server = await startServer({ clientLog: false });
    const alice = await server.connect();
    const aliceSaw = record(alice, { all: true });
    await joinAs(alice, 'plain');
    const bob = await server.connect();
    bob.emit('create or join', 'plain');
    await once(bob, 'room:update');
    // A round trip of alice's own: anything the join sent her has arrived before its answer.
    await peekAck(alice, 'plain');
    expect(aliceSaw.map(([event]) => event)).not.toContain('room:names');
  });

  it('reach a codelab member sitting with a named one, who ignores them', async () => {
    server = await startServer({ clientLog: false });
    const codelab = await server.connect();
    await joinAs(codelab, 'mixed');
    const named = await server.connect();
    const heard = once<[RoomNames]>(named, 'room:names');
    await join(named, 'mixed', { name: 'Nia' });
    expect((await heard)[0].names).toEqual({ [named.id!]: 'Nia' });
  });

  it('are told in a room of four, each newcomer with everyone named so far', async () => {
    server = await startServer({ clientLog: false, rooms: new MemoryRooms(4) });
    const names = ['Ana', 'Ben', 'Cy', 'Di'];
    const clients: TestClient[] = [];
    for (const name of names) {
      const client = await server.connect();
      clients.push(client);
      const heard = clients.length > 1 ? once<[RoomNames]>(client, 'room:names') : undefined;
      await join(client, 'four', { name });
      if (heard)
        expect(Object.values((await heard)[0].names)).toEqual(names.slice(0, clients.length));
    }
  });
});

describe('room:peek', () => {
  it('says who is in an open room: the count, the capacity and the names given', async () => {
    server = await startServer({ clientLog: false, rooms: new MemoryRooms(3) });
    const visitor = await server.connect();
    expect(await peek(visitor, 'open')).toEqual({
      room: 'open',
      capacity: 3,
      locked: false,
      members: 0,
      names: [],
    });
    const alice = await server.connect();
    await join(alice, 'open', { name: 'Alice' });
    const codelab = await server.connect();
    codelab.emit('create or join', 'open');
    await waitFor(
      async () => ((await peek(visitor, 'open')) as RoomPeek & { members: number }).members === 2,
      'two members',
    );
    expect(await peek(visitor, 'open')).toEqual({
      room: 'open',
      capacity: 3,
      locked: false,
      members: 2,
      names: ['Alice'],
    });
  });

  it('says that a locked room is locked and nothing more: no count, no names', async () => {
    server = await startServer({ clientLog: false });
    const alice = await server.connect();
    expect(await join(alice, 'secret', { pin: '4711', name: 'Alice' })).toBe('created');
    const visitor = await server.connect();
    const answer = await peek(visitor, 'secret');
    expect(answer).toEqual({ room: 'secret', capacity: 2, locked: true });
  });

  it('takes no seat and tells the room nothing', async () => {
    server = await startServer({ clientLog: false });
    const alice = await server.connect();
    await joinAs(alice, 'quiet');
    const aliceSaw = record(alice, { all: true });
    const visitor = await server.connect();
    await peek(visitor, 'quiet');
    const bob = await server.connect();
    await joinAs(bob, 'quiet', 'joined');
    await once(alice, 'room:update');
    expect(aliceSaw).toEqual([
      ['join', 'quiet'],
      ['ready'],
      ['room:update', { room: 'quiet', members: 2, capacity: 2 }],
    ]);
  });

  it('refuses a bad room name with invalid-room', async () => {
    server = await startServer({ clientLog: false });
    const visitor = await server.connect();
    const refusal = once<[SignalingError]>(visitor, 'signaling:error');
    expect(await peek(visitor, '../etc')).toEqual({ error: 'invalid-room' });
    expect((await refusal)[0]).toMatchObject({ event: 'room:peek', code: 'invalid-room' });
  });

  it('is limited with the joins', async () => {
    server = await startServer({
      clientLog: false,
      rateLimits: { join: { burst: 3, perSecond: 0.001 } },
    });
    const visitor = await server.connect();
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await peekAck(visitor, 'busy'));
    expect(answers.slice(0, 3)).toEqual([{ data: null }, { data: null }, { data: null }]);
    expect(answers[3]).toEqual({ error: 'rate-limited' });
  });

  it('shows a room only to a token for it, when tokens are required', async () => {
    const secret = 'a-test-secret-that-is-long-enough-for-hs256';
    server = await startServer({ clientLog: false, roomAccess: { tokenSecret: secret } });
    const ours = await server.connect({
      auth: { token: await roomToken(secret, { room: 'ours' }) },
    });
    expect(await peek(ours, 'ours')).toMatchObject({ room: 'ours', members: 0 });
    expect(await peek(ours, 'theirs')).toEqual({ error: 'token-refused' });
  });
});
