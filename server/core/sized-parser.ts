import { Decoder, Encoder, type Packet, PacketType } from 'socket.io-parser';

/** What the packet of a `message` holds besides its payload: `2["message",` and `]`. */
const MESSAGE_ENVELOPE = '2["message",]'.length;

/**
 * The byte length of the string packet being decoded. socket.io-parser emits `decoded`
 * synchronously inside `add`, so the listener below reads the length of its own packet.
 */
let decoding: number | undefined;

/**
 * Refuses an EVENT without a payload (below), and hands the `message` listener the size its
 * payload arrived in, as a second argument (a `message` has one; whatever else a client sent
 * after it is dropped). Counting what arrived costs a length; counting the payload again
 * (stringifying it) cost as much as parsing it.
 */
function sizeMessage(packet: Packet): void {
  const data: unknown = packet.data;
  if (packet.type !== PacketType.EVENT) return;
  // Socket.IO v5: an EVENT's payload "is mandatory", else the receiver "MUST close the
  // connection". socket.io-parser checks it only when there is one; thrown here, inside the
  // decoder's `add`, Socket.IO's client closes the connection as for any malformed packet.
  if (data === undefined) throw new TypeError('[signaling] an EVENT packet without a payload');
  if (!Array.isArray(data) || data[0] !== 'message') return;
  if (data.length < 2) data.push(undefined);
  data.length = 2;
  data.push(decoding === undefined ? undefined : Math.max(0, decoding - MESSAGE_ENVELOPE));
}

/** socket.io-parser's decoder, but that each `message` carries the bytes it arrived in. */
class SizedDecoder extends Decoder {
  constructor(options?: ConstructorParameters<typeof Decoder>[0]) {
    super(options);
    // Registered before Socket.IO's own listener (its Client adds it after construction).
    this.on('decoded', sizeMessage);
  }

  override add(chunk: unknown): void {
    // A binary packet's attachments arrive as buffers: its size stays unknown, and the
    // payload check refuses the binary anyway.
    decoding = typeof chunk === 'string' ? Buffer.byteLength(chunk) : undefined;
    try {
      super.add(chunk);
    } finally {
      decoding = undefined;
    }
  }
}

/**
 * The `parser` option of Socket.IO's server: its own wire format, unchanged, with the size of
 * each `message` payload as it arrived passed to the listener (see `checkPayload`).
 */
export const sizedParser = { Encoder, Decoder: SizedDecoder };
