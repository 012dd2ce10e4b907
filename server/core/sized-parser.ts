import { Decoder, Encoder, type Packet, PacketType } from 'socket.io-parser';
import type { FrameRelay } from './relay.ts';
import type { SignalingSocket } from './types.ts';

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

/**
 * socket.io-parser's decoder, but that each `message` carries the bytes it arrived in, and
 * that a relay the fast path (relay.ts) can pass on as it arrived is not decoded at all.
 */
export class SizedDecoder extends Decoder {
  /** The fast relay, and the socket of this connection, once Socket.IO has connected it. */
  #relay: FrameRelay | undefined;
  #socket: SignalingSocket | undefined;
  /** Set once a binary packet began: its attachments follow, and nothing skips the decoder. */
  #binary = false;
  /**
   * Packets handed to Socket.IO whose handlers are still due: Socket.IO dispatches an event on
   * the next tick (`process.nextTick` in its `Socket.dispatch`), while the fast relay writes at
   * once. A relay that follows such a packet in the same tick (an acked offer, then its
   * candidates; a `bye`, then a relay) takes the same way, so it never overtakes it.
   */
  #behind = 0;

  constructor(options?: ConstructorParameters<typeof Decoder>[0]) {
    super(options);
    // Registered before Socket.IO's own listener (its Client adds it after construction).
    this.on('decoded', sizeMessage);
  }

  /** Lets `relay` take this connection's relays from `socket` (its main namespace socket). */
  relayFor(relay: FrameRelay, socket: SignalingSocket): void {
    this.#relay = relay;
    this.#socket = socket;
  }

  override add(chunk: unknown): void {
    if (typeof chunk === 'string') {
      const type = chunk.charCodeAt(0);
      // `5` and `6`: BINARY_EVENT and BINARY_ACK, whose buffers come next.
      if (type === 0x35 || type === 0x36) this.#binary = true;
      else if (
        type === 0x32 &&
        this.#socket !== undefined &&
        this.#behind === 0 &&
        !this.#binary &&
        this.#relay?.(this.#socket, chunk)
      ) {
        return;
      }
    }
    // A binary packet's attachments arrive as buffers: its size stays unknown, and the
    // payload check refuses the binary anyway.
    decoding = typeof chunk === 'string' ? Buffer.byteLength(chunk) : undefined;
    try {
      super.add(chunk);
    } finally {
      decoding = undefined;
      // Queued after Socket.IO's own tick for this packet, so it runs once that one has.
      if (this.#relay !== undefined) {
        this.#behind++;
        process.nextTick(SizedDecoder.#caughtUp, this);
      }
    }
  }

  static #caughtUp(decoder: SizedDecoder): void {
    decoder.#behind--;
  }
}

/**
 * The `parser` option of Socket.IO's server: its own wire format, unchanged, with the size of
 * each `message` payload as it arrived passed to the listener (see `checkPayload`).
 */
export const sizedParser = { Encoder, Decoder: SizedDecoder };
