import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import {
  type Socket as ClientSocket,
  io as connectClient,
  type ManagerOptions,
  type SocketOptions,
} from 'socket.io-client';
import WebSocket from 'ws';
import {
  attachSignaling,
  type MemoryRooms,
  type SignalingHandle,
  type SignalingOptions,
} from '../index.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../protocol/index.ts';

/** A typed test client of the protocol. */
export type TestClient = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

/** A signaling server on an ephemeral loopback port, with what the tests need to talk to it. */
export interface TestServer {
  url: string;
  /** The http server the signaling is attached to. */
  http: HttpServer;
  handle: SignalingHandle<MemoryRooms>;
  /** Connects a new client (websocket only, no reconnection unless `options` say so). */
  connect(options?: Partial<ManagerOptions & SocketOptions>): Promise<TestClient>;
  /** Two clients seated in `room`: alice created it, bob joined it; both saw `ready`. */
  pair(room: string): Promise<{ alice: TestClient; bob: TestClient }>;
  /** Disconnects every client it made, then closes the signaling and the http server. */
  close(): Promise<void>;
}

/**
 * Starts a real http server with the signaling attached, on port 0 of `host` (clients connect
 * through loopback either way).
 */
export async function startServer(
  options: SignalingOptions<MemoryRooms> = {},
  host = '127.0.0.1',
): Promise<TestServer> {
  const http = createServer((request, response) => handle.httpHandler(request, response));
  const handle = attachSignaling(http, options);
  await new Promise<void>((resolve) => http.listen(0, host, resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients: TestClient[] = [];
  const connect = async (clientOptions: Partial<ManagerOptions & SocketOptions> = {}) => {
    const client: TestClient = connectClient(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      ...clientOptions,
    });
    clients.push(client);
    await once(client, 'connect');
    return client;
  };
  return {
    url,
    http,
    handle,
    connect,
    async pair(room) {
      const alice = await connect();
      await joinAs(alice, room, 'created');
      const bob = await connect();
      const ready = Promise.all([once(alice, 'ready'), once(bob, 'ready')]);
      bob.emit('create or join', room);
      await ready;
      return { alice, bob };
    },
    async close() {
      for (const client of clients) client.disconnect();
      // Polling sessions a test left open cannot be told to close until they poll again.
      await handle.close(500);
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Asks for a seat in `room` and resolves with the arguments of the server's answer `event`. */
export async function joinAs(client: TestClient, room: string, event = 'created') {
  const answer = once(client, event);
  client.emit('create or join', room);
  return answer;
}

/** Resolves with the arguments of the next `event` on `socket`. */
export function once<Args extends unknown[] = unknown[]>(
  socket: { once(event: string, listener: (...args: never[]) => void): unknown },
  event: string,
): Promise<Args> {
  return new Promise((resolve) => {
    socket.once(event, ((...args: Args) => resolve(args)) as unknown as (...args: never[]) => void);
  });
}

/** The events docs/protocol.md#codelab-events fixes for codelab clients. */
const CODELAB_EVENTS = new Set([
  'created',
  'join',
  'joined',
  'ready',
  'full',
  'message',
  'ipaddr',
  'bye',
]);

/**
 * Records, in order as `[name, ...args]`, every codelab event a client receives (`log` aside)
 * and every refusal; `room:update`, which codelab clients ignore, only with `all`.
 */
export function record(client: TestClient, { all = false } = {}): unknown[][] {
  const events: unknown[][] = [];
  client.onAny((event: string, ...args: unknown[]) => {
    if (CODELAB_EVENTS.has(event) || event === 'signaling:error' || (all && event !== 'log')) {
      events.push([event, ...args]);
    }
  });
  return events;
}

/** Polls `predicate` every 10 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The current value of a counter or gauge of the signaling's metrics, summed over labels. */
export async function metricValue(
  handle: SignalingHandle<MemoryRooms>,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = handle.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric named ${name}`);
  const { values } = await metric.get();
  return values
    .filter((value) =>
      Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted),
    )
    .reduce((sum, value) => sum + value.value, 0);
}

/** A websocket that has done the Engine.IO and Socket.IO handshakes by hand, with every frame it got. */
export interface RawSocketIo {
  ws: WebSocket;
  frames: string[];
}

/** Opens a raw websocket to `url`'s Socket.IO endpoint and completes both handshakes by hand. */
export async function rawSocketIo(url: string): Promise<RawSocketIo> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  ws.on('message', (data) => frames.push(String(data)));
  await waitFor(() => frames.some((frame) => frame.startsWith('0{')), 'the Engine.IO open');
  ws.send('40');
  await waitFor(() => frames.some((frame) => frame.startsWith('40{')), 'the Socket.IO connect');
  return { ws, frames };
}

/** A signed HS256 room token: an hour to live and a fresh id, unless `claims` say otherwise. */
export function roomToken(secret: string, claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ exp: now + 3600, jti: crypto.randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(secret));
}

/**
 * What socket.io-client would send to recover `client`'s session (its private id and last
 * offset), for a new client to present, on this process or another.
 */
export function recoveryAuth(client: TestClient): { pid?: string; offset?: string } {
  const session = client as unknown as { _pid?: string; _lastOffset?: string };
  return { pid: session._pid, offset: session._lastOffset };
}
