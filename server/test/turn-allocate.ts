/**
 * A TURN Allocate over UDP with a long-term credential (RFC 8656 section 7.2, RFC 8489 section
 * 9.2): what a browser does first with an `ice:servers` entry, so a test can tell whether the
 * TURN server accepts what the signaling hands out.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const MAGIC_COOKIE = 0x2112a442;
const ALLOCATE_REQUEST = 0x0003;
const ALLOCATE_SUCCESS = 0x0103;
const ATTRIBUTE = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  realm: 0x0014,
  nonce: 0x0015,
  requestedTransport: 0x0019,
} as const;

/** One attribute, padded to four bytes. */
function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

/** An Allocate for UDP relaying; with `auth`, signed with the long-term credential's key. */
function allocate(auth?: { username: string; realm: string; nonce: string; key: Buffer }): Buffer {
  const udp = Buffer.from([17, 0, 0, 0]);
  let body = attribute(ATTRIBUTE.requestedTransport, udp);
  if (auth) {
    body = Buffer.concat([
      body,
      attribute(ATTRIBUTE.username, Buffer.from(auth.username)),
      attribute(ATTRIBUTE.realm, Buffer.from(auth.realm)),
      attribute(ATTRIBUTE.nonce, Buffer.from(auth.nonce)),
    ]);
  }
  const header = Buffer.alloc(20);
  header.writeUInt16BE(ALLOCATE_REQUEST, 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  randomBytes(12).copy(header, 8);
  if (!auth) {
    header.writeUInt16BE(body.length, 2);
    return Buffer.concat([header, body]);
  }
  // The integrity covers the message with a length that already counts its own attribute.
  header.writeUInt16BE(body.length + 24, 2);
  const mac = createHmac('sha1', auth.key)
    .update(Buffer.concat([header, body]))
    .digest();
  return Buffer.concat([header, body, attribute(ATTRIBUTE.messageIntegrity, mac)]);
}

/** The type of a response and its attributes by type. */
function parse(message: Buffer): { type: number; attributes: Map<number, Buffer> } {
  const attributes = new Map<number, Buffer>();
  let offset = 20;
  while (offset + 4 <= message.length) {
    const type = message.readUInt16BE(offset);
    const length = message.readUInt16BE(offset + 2);
    attributes.set(type, message.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return { type: message.readUInt16BE(0), attributes };
}

/**
 * Asks the TURN server on 127.0.0.1:`port` for a relay with `username` and `credential`:
 * `allocated` when it grants one, `refused` when it answers 401 to the signed request.
 */
export async function turnAllocate(
  port: number,
  username: string,
  credential: string,
): Promise<'allocated' | 'refused'> {
  const socket = createSocket('udp4');
  const ask = (message: Buffer) =>
    new Promise<ReturnType<typeof parse>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('[turn] no answer within 5 s')), 5000);
      socket.once('message', (reply) => {
        clearTimeout(timer);
        resolve(parse(reply));
      });
      socket.send(message, port, '127.0.0.1');
    });
  try {
    // The first, unsigned request is refused with the realm and a nonce to sign with.
    const challenge = await ask(allocate());
    const realm = challenge.attributes.get(ATTRIBUTE.realm)?.toString() ?? '';
    const nonce = challenge.attributes.get(ATTRIBUTE.nonce)?.toString() ?? '';
    if (!realm || !nonce) throw new Error('[turn] the server sent no realm and nonce');
    const key = createHash('md5').update(`${username}:${realm}:${credential}`).digest();
    const answer = await ask(allocate({ username, realm, nonce, key }));
    if (answer.type === ALLOCATE_SUCCESS) return 'allocated';
    const code = answer.attributes.get(ATTRIBUTE.errorCode);
    const status = code ? code[2]! * 100 + code[3]! : 0;
    if (status === 401) return 'refused';
    throw new Error(`[turn] Allocate answered ${answer.type.toString(16)} (error ${status})`);
  } finally {
    socket.close();
  }
}
