import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

// A TURN client over UDP (RFC 5389 / RFC 5766), just enough to ask a real coturn what a browser
// would: an allocation with a TURN REST credential, a permission towards a peer, a refresh.

const MAGIC = 0x2112a442;
const METHOD = { allocate: 0x003, refresh: 0x004, createPermission: 0x008 } as const;
const ATTRIBUTE = {
  username: 0x0006,
  integrity: 0x0008,
  errorCode: 0x0009,
  lifetime: 0x000d,
  peer: 0x0012,
  realm: 0x0014,
  nonce: 0x0015,
  relayed: 0x0016,
  transport: 0x0019,
} as const;

/** A TURN server's answer: success, or the error code and reason it gave. */
export type TurnAnswer =
  | { ok: true; attributes: Map<number, Buffer> }
  | { ok: false; code: number; reason: string };

/** One allocation's client: `allocate` first, then permissions and refreshes on it. */
export class TurnClient {
  readonly #socket: Socket = createSocket('udp4');
  #realm = '';
  #nonce = '';

  constructor(
    readonly server: { host: string; port: number },
    readonly credential: { username: string; credential: string },
  ) {}

  /** Asks for a UDP relay, answering the server's 401 challenge with the credential. */
  async allocate(): Promise<TurnAnswer> {
    const transport = Buffer.from([17, 0, 0, 0]);
    const challenge = await this.#ask(METHOD.allocate, [[ATTRIBUTE.transport, transport]], false);
    if (challenge.ok || challenge.code !== 401) return challenge;
    return this.#ask(METHOD.allocate, [[ATTRIBUTE.transport, transport]]);
  }

  /** Asks for a permission to exchange packets with `address` (IPv4) through the relay. */
  createPermission(address: string): Promise<TurnAnswer> {
    return this.#ask(METHOD.createPermission, [[ATTRIBUTE.peer, xorAddress(address, 9)]]);
  }

  /** Refreshes the allocation for `seconds` (0 releases it). */
  refresh(seconds = 600): Promise<TurnAnswer> {
    const lifetime = Buffer.alloc(4);
    lifetime.writeUInt32BE(seconds);
    return this.#ask(METHOD.refresh, [[ATTRIBUTE.lifetime, lifetime]]);
  }

  /** Closes the client's socket (the allocation times out on the server). */
  close(): void {
    this.#socket.close();
  }

  /** Sends a request; a stale nonce (438) is answered once with the new one, as browsers do. */
  async #ask(method: number, attributes: [number, Buffer][], signed = true): Promise<TurnAnswer> {
    const answer = await this.#send(method, attributes, signed);
    if (signed && !answer.ok && answer.code === 438) return this.#send(method, attributes, signed);
    return answer;
  }

  async #send(
    method: number,
    attributes: [number, Buffer][],
    signed: boolean,
  ): Promise<TurnAnswer> {
    const id = randomBytes(12);
    const all = signed
      ? [
          ...attributes,
          [ATTRIBUTE.username, Buffer.from(this.credential.username)] as [number, Buffer],
          [ATTRIBUTE.realm, Buffer.from(this.#realm)] as [number, Buffer],
          [ATTRIBUTE.nonce, Buffer.from(this.#nonce)] as [number, Buffer],
        ]
      : attributes;
    let message = encode(method, id, all);
    if (signed) message = withIntegrity(message, this.#key());
    const reply = await this.#exchange(message, id);
    const answer = decode(reply);
    if (!answer.ok && (answer.code === 401 || answer.code === 438)) {
      const attributes = parseAttributes(reply);
      this.#realm = attributes.get(ATTRIBUTE.realm)?.toString() ?? this.#realm;
      this.#nonce = attributes.get(ATTRIBUTE.nonce)?.toString() ?? this.#nonce;
    }
    return answer;
  }

  #key(): Buffer {
    const { username, credential } = this.credential;
    return createHash('md5').update(`${username}:${this.#realm}:${credential}`).digest();
  }

  #exchange(message: Buffer, id: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#socket.off('message', onMessage);
        reject(new Error('[test] the TURN server did not answer within 3 s'));
      }, 3000);
      const onMessage = (reply: Buffer) => {
        if (!reply.subarray(8, 20).equals(id)) return;
        clearTimeout(timer);
        this.#socket.off('message', onMessage);
        resolve(reply);
      };
      this.#socket.on('message', onMessage);
      this.#socket.send(message, this.server.port, this.server.host);
    });
  }
}

function encode(method: number, id: Buffer, attributes: [number, Buffer][]): Buffer {
  const body = Buffer.concat(
    attributes.map(([type, value]) => {
      const header = Buffer.alloc(4);
      header.writeUInt16BE(type, 0);
      header.writeUInt16BE(value.length, 2);
      return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
    }),
  );
  const header = Buffer.alloc(20);
  header.writeUInt16BE(method, 0);
  header.writeUInt16BE(body.length, 2);
  header.writeUInt32BE(MAGIC, 4);
  id.copy(header, 8);
  return Buffer.concat([header, body]);
}

/** Appends MESSAGE-INTEGRITY: HMAC-SHA1 over the message with its length counting the attribute. */
function withIntegrity(message: Buffer, key: Buffer): Buffer {
  const covered = Buffer.from(message);
  covered.writeUInt16BE(message.length - 20 + 24, 2);
  const hmac = createHmac('sha1', key).update(covered).digest();
  const attribute = Buffer.alloc(4);
  attribute.writeUInt16BE(ATTRIBUTE.integrity, 0);
  attribute.writeUInt16BE(20, 2);
  return Buffer.concat([covered, attribute, hmac]);
}

function parseAttributes(message: Buffer): Map<number, Buffer> {
  const attributes = new Map<number, Buffer>();
  let at = 20;
  while (at + 4 <= message.length) {
    const type = message.readUInt16BE(at);
    const length = message.readUInt16BE(at + 2);
    attributes.set(type, message.subarray(at + 4, at + 4 + length));
    at += 4 + length + ((4 - (length % 4)) % 4);
  }
  return attributes;
}

function decode(message: Buffer): TurnAnswer {
  const type = message.readUInt16BE(0);
  const attributes = parseAttributes(message);
  // The class bits: 0x0100 a success response, 0x0110 an error response.
  if ((type & 0x0110) === 0x0100) return { ok: true, attributes };
  const error = attributes.get(ATTRIBUTE.errorCode) ?? Buffer.alloc(4);
  return {
    ok: false,
    code: (error[2] ?? 0) * 100 + (error[3] ?? 0),
    reason: error.subarray(4).toString(),
  };
}

/** XOR-PEER-ADDRESS of an IPv4 `address` and `port`. */
function xorAddress(address: string, port: number): Buffer {
  const value = Buffer.alloc(8);
  value.writeUInt8(0x01, 1);
  value.writeUInt16BE(port ^ (MAGIC >>> 16), 2);
  const ip = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  value.writeUInt32BE((ip ^ MAGIC) >>> 0, 4);
  return value;
}
