import WebSocket from 'ws';

// A raw Engine.IO v4 / Socket.IO v5 client for the conformance tests: `fetch` for HTTP
// long-polling and `ws` for WebSocket, nothing of socket.io-client, so every byte on the wire
// is the test's own. Test-only; it never ships.

/** The record separator between the packets of an HTTP long-polling payload (Engine.IO v4). */
export const RECORD_SEPARATOR = '\x1e';

/** The `open` packet's JSON payload, as the Engine.IO v4 handshake defines it. */
export interface Handshake {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** What a WebSocket carried: text frames as strings, binary frames as buffers. */
export type Frame = string | Buffer;

/** How a WebSocket ended: the close code and reason the client saw. */
export interface Closed {
  code: number;
  reason: string;
}

/** The Socket.IO endpoint of `base` (`http://host:port`) with `query`, for `fetch` or `ws`. */
export function endpoint(base: string, query: Record<string, string>, scheme = 'http'): string {
  const url = new URL('/socket.io/', base);
  url.protocol = `${scheme}:`;
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url.href;
}

/** Parses an Engine.IO `open` packet (`0{...}`); throws on anything else. */
export function parseOpen(packet: Frame): Handshake {
  if (typeof packet !== 'string' || !packet.startsWith('0{')) {
    throw new Error(`expected an Engine.IO open packet, got ${JSON.stringify(String(packet))}`);
  }
  return JSON.parse(packet.slice(1)) as Handshake;
}

/**
 * The arguments of a Socket.IO EVENT on the main namespace (`42[...]`, no ack id), with the
 * event name first; undefined for any other packet.
 */
export function parseEvent(packet: Frame): unknown[] | undefined {
  if (typeof packet !== 'string' || !packet.startsWith('42[')) return undefined;
  return JSON.parse(packet.slice(2)) as unknown[];
}

/** The `42[...]` packet of an event with `args`, as Socket.IO's default parser encodes it. */
export function eventPacket(...args: unknown[]): string {
  return `42${JSON.stringify(args)}`;
}

/** Whether `packet` is the event `name`. */
export function isEvent(name: string): (packet: Frame) => boolean {
  return (packet) => parseEvent(packet)?.[0] === name;
}

/** Anything the tests open, so teardown can close what a test left open. */
export interface Closable {
  close(): Promise<void>;
}

/** A queue of received packets a test reads in order, waiting for those not yet arrived. */
class Inbox {
  readonly received: Frame[] = [];
  #read = 0;
  #waiters: Array<() => void> = [];

  push(packet: Frame): void {
    this.received.push(packet);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /**
   * The first unread packet that `matches`; the packets before it are read too. `fetchMore` is
   * called while none matches (a GET for polling); it resolves false once no more can come.
   */
  async take(
    matches: (packet: Frame) => boolean,
    what: string,
    timeoutMs: number,
    fetchMore: () => Promise<boolean>,
  ): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.#read < this.received.length) {
        const packet = this.received[this.#read++] as Frame;
        if (matches(packet)) return packet;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      if (!(await fetchMore())) throw new Error(`the connection ended before ${what}`);
    }
  }

  /** Resolves when a packet arrives or after `ms`, whichever is first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** A raw Engine.IO session over one WebSocket. */
export class RawWebSocket implements Closable {
  readonly ws: WebSocket;
  readonly inbox = new Inbox();
  /** Resolves when the WebSocket closes, with the code and reason. */
  readonly closed: Promise<Closed>;
  /** The HTTP status, when the upgrade was refused. */
  refusedWith?: number;
  /** Answer every ping (`2`) with a pong (`3`) by itself, as a live client does. */
  pong = false;
  #isClosed = false;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.ws = new WebSocket(url, { headers });
    this.ws.on('message', (data, isBinary) => {
      const frame = isBinary ? Buffer.from(data as Buffer) : String(data);
      if (this.pong && frame === '2') this.ws.send('3');
      this.inbox.push(frame);
    });
    this.ws.on('unexpected-response', (_request, response) => {
      this.refusedWith = response.statusCode;
      this.ws.terminate();
    });
    this.ws.on('error', () => {});
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.#isClosed = true;
        resolve({ code, reason: String(reason) });
      });
    });
  }

  /** Opens a new Engine.IO session over WebSocket on `base` and reads its `open` packet. */
  static async open(base: string, query: Record<string, string> = {}) {
    const socket = new RawWebSocket(
      endpoint(base, { EIO: '4', transport: 'websocket', ...query }, 'ws'),
    );
    const handshake = parseOpen(await socket.next('the open packet'));
    return { socket, handshake };
  }

  /** Whether the WebSocket has closed. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Resolves once the WebSocket is open (frames sent earlier would be lost). */
  async opened(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return;
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('close', () => reject(new Error('the WebSocket closed before it opened')));
    });
  }

  /** Sends each of `frames` in a WebSocket frame of its own. */
  send(...frames: Frame[]): void {
    for (const frame of frames) this.ws.send(frame);
  }

  /** The next frame, whatever it is. */
  next(what = 'the next frame', timeoutMs = 2000): Promise<Frame> {
    return this.nextMatching(() => true, what, timeoutMs);
  }

  /** The next frame that `matches`; the frames before it are read and skipped. */
  nextMatching(matches: (frame: Frame) => boolean, what: string, timeoutMs = 2000) {
    return this.inbox.take(matches, what, timeoutMs, async () => {
      if (this.#isClosed) return false;
      await this.inbox.wait(50);
      return true;
    });
  }

  /** The arguments of the next `name` event (`42["name",...]`), the name left out. */
  async nextEvent(name: string, timeoutMs = 2000): Promise<unknown[]> {
    const frame = await this.nextMatching(isEvent(name), `the event "${name}"`, timeoutMs);
    return (parseEvent(frame) as unknown[]).slice(1);
  }

  /** Closes the WebSocket (normal closure) and waits for the close. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CONNECTING) await this.opened().catch(() => {});
    if (!this.#isClosed) this.ws.close(1000);
    await this.closed;
  }

  /** Drops the TCP connection without a closing handshake, as a failed network does. */
  async drop(): Promise<void> {
    this.ws.terminate();
    await this.closed;
  }
}

/** An HTTP response of the polling transport, read whole. */
export interface PollingResponse {
  status: number;
  body: string;
  contentType: string | null;
}

/** A raw Engine.IO session over HTTP long-polling. */
export class RawPolling implements Closable {
  readonly inbox = new Inbox();
  #ended = false;
  readonly #abort = new AbortController();

  constructor(
    readonly base: string,
    readonly sid: string,
  ) {}

  /** Opens a new Engine.IO session over long-polling on `base` and reads its `open` packet. */
  static async open(base: string) {
    const response = await request(endpoint(base, { EIO: '4', transport: 'polling' }));
    if (response.status !== 200) {
      throw new Error(`the polling handshake failed: ${response.status} ${response.body}`);
    }
    const handshake = parseOpen(response.body);
    return { session: new RawPolling(base, handshake.sid), handshake, response };
  }

  /** The session's polling URL (`sid` included). */
  get url(): string {
    return endpoint(this.base, { EIO: '4', transport: 'polling', sid: this.sid });
  }

  /** One GET: waits for the server's next payload (long-polling), at most `timeoutMs`. */
  get(timeoutMs?: number): Promise<PollingResponse> {
    const signal =
      timeoutMs === undefined
        ? this.#abort.signal
        : AbortSignal.any([this.#abort.signal, AbortSignal.timeout(timeoutMs)]);
    return request(this.url, { signal });
  }

  /** One POST of `packets`, joined with the record separator. */
  post(...packets: string[]): Promise<PollingResponse> {
    return request(this.url, {
      method: 'POST',
      body: packets.join(RECORD_SEPARATOR),
      signal: this.#abort.signal,
    });
  }

  /** GETs once and splits the payload into its packets. */
  async poll(): Promise<string[]> {
    const response = await this.get();
    if (response.status !== 200) {
      throw new Error(`the poll failed: ${response.status} ${response.body}`);
    }
    return response.body.split(RECORD_SEPARATOR);
  }

  /** The next packet that `matches`, polling as long as needed; earlier packets are skipped. */
  nextMatching(matches: (packet: Frame) => boolean, what: string, timeoutMs = 2000) {
    const deadline = Date.now() + timeoutMs;
    return this.inbox.take(matches, what, timeoutMs, async () => {
      if (this.#ended) return false;
      const response = await this.get(Math.max(deadline - Date.now(), 1));
      // Status 0: the GET outlived the deadline; `take` reports the timeout.
      if (response.status === 0) return true;
      if (response.status !== 200) {
        this.#ended = true;
        return false;
      }
      const packets = response.body.split(RECORD_SEPARATOR);
      for (const packet of packets) this.inbox.push(packet);
      if (packets.includes('1')) this.#ended = true;
      return true;
    });
  }

  /** The arguments of the next `name` event (`42["name",...]`), the name left out. */
  async nextEvent(name: string, timeoutMs = 2000): Promise<unknown[]> {
    const packet = await this.nextMatching(isEvent(name), `the event "${name}"`, timeoutMs);
    return (parseEvent(packet) as unknown[]).slice(1);
  }

  /** Sends the Engine.IO close packet, then cancels any GET still waiting. */
  async close(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      await this.post('1').catch(() => {});
    }
    this.#abort.abort();
  }
}

/** A fetch whose body is read whole; an aborted one (teardown, a deadline) is status 0. */
async function request(url: string, init: RequestInit = {}): Promise<PollingResponse> {
  try {
    const response = await fetch(url, init);
    return {
      status: response.status,
      body: await response.text(),
      contentType: response.headers.get('content-type'),
    };
  } catch (error) {
    if (init.signal?.aborted) return { status: 0, body: '', contentType: null };
    throw error;
  }
}

/** A raw session that has also joined Socket.IO's main namespace, with its Socket.IO id. */
export interface Connected<T> {
  client: T;
  handshake: Handshake;
  /** The Socket.IO session id (from `40{"sid":...}`), not the Engine.IO one. */
  id: string;
  /** The whole CONNECT answer's payload. */
  connect: Record<string, unknown>;
}

/** Opens a WebSocket-only session and joins the main namespace with `40` (and `auth`). */
export async function connectWebSocket(
  base: string,
  auth?: Record<string, unknown>,
): Promise<Connected<RawWebSocket>> {
  const { socket, handshake } = await RawWebSocket.open(base);
  socket.send(auth === undefined ? '40' : `40${JSON.stringify(auth)}`);
  const connect = parseConnect(await socket.nextMatching(isConnect, 'the CONNECT answer'));
  return { client: socket, handshake, id: connect.sid as string, connect };
}

/** Opens a polling-only session and joins the main namespace with `40`. */
export async function connectPolling(base: string): Promise<Connected<RawPolling>> {
  const { session, handshake } = await RawPolling.open(base);
  const posted = await session.post('40');
  if (posted.body !== 'ok') throw new Error(`the CONNECT post failed: ${posted.body}`);
  const connect = parseConnect(await session.nextMatching(isConnect, 'the CONNECT answer'));
  return { client: session, handshake, id: connect.sid as string, connect };
}

/** Whether `packet` is a Socket.IO CONNECT answer on the main namespace (`40{...}`). */
export function isConnect(packet: Frame): boolean {
  return typeof packet === 'string' && packet.startsWith('40{');
}

/** The payload of a `40{...}` CONNECT answer. */
export function parseConnect(packet: Frame): Record<string, unknown> {
  return JSON.parse(String(packet).slice(2)) as Record<string, unknown>;
}
