import { Adapter } from 'socket.io-adapter';
import { ROOM_PREFIX } from '../protocol/index.ts';
import type { SignalingContext } from './context.ts';
import { writeFrame } from './frame-writer.ts';
import { Bucket, takeRelay } from './rate-limit.ts';
import { HeldSessionAdapter } from './session-adapter.ts';
import { SizedDecoder } from './sized-parser.ts';
import type { SignalingSocket } from './types.ts';
import { checkPayload, MAX_PAYLOAD_DEPTH } from './validation.ts';

/**
 * The relay's fast path: a `message` or `signal` packet passed on as the text it arrived in,
 * never decoded by Socket.IO, dispatched, nor encoded again. Socket.IO hands each packet's text
 * to its parser's decoder (sized-parser.ts); there, a plain event packet of the main namespace
 * with no ack id (`2["message",…]`, `2["signal",{"to":"…","data":…}]`) comes here first. Every
 * check of the handlers (message.ts, signal.ts) is made: a seat, valid JSON of at most
 * {@link MAX_PAYLOAD_DEPTH} levels and `maxPayloadBytes` (`JSON.parse` and the handlers'
 * `checkPayload`; the value is then dropped), the socket's message and byte buckets, and for
 * `signal` a target that sits in the sender's room. The frame then goes to each
 * recipient's WebSocket as it is (frame-writer.ts; engine.io's `conn.write`, where Socket.IO's
 * own broadcast writes the frame it encoded, when the socket is not simply open on a
 * websocket): a codelab client receives the bytes its peer sent.
 *
 * Whatever is not that simple takes the handlers' path, which decides and answers as before:
 * a refusal of any kind, an ack asked for (`2<id>[…]`), a client log to echo, a room whose
 * broadcasts leave the process (Redis, not all local) or that a member away on recovery would
 * miss (its adapter keeps the relays it missed), a target on another process, a store that
 * answers asynchronously, an adapter of another kind. So the fast path changes no answer; it
 * only skips the work that would rebuild the same frame.
 *
 * Bytes are charged as they arrived, which is what is relayed (the slow path counts a `signal`
 * payload by stringifying it: the same for what socket.io-client sends).
 */
export type FrameRelay = (socket: SignalingSocket, frame: string) => boolean;

/**
 * An adapter that relays an encoded `message` frame to a room across processes as it is (the
 * Redis store's): the members here get it at once, the other processes that frame.
 */
export interface RelaysFrames {
  relayFrame(frame: string, room: string, sender: string): void;
}

const MESSAGE_HEAD = '2["message",';
const SIGNAL_HEAD = '2["signal",{"to":"';
const SIGNAL_DATA = '","data":';
/** What a `signal` packet holds beside its target and data: `2["signal",{"to":"","data":}]`. */
const SIGNAL_FROM = '2["signal",{"from":"';
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** A room with no member here. */
const NOBODY: ReadonlySet<string> = new Set();
/** The longest `to` read on the fast path: socket ids are 20 characters. */
const MAX_TARGET = 64;

/**
 * The fast relay of one attach, or undefined where it cannot apply at all: with client log
 * lines on (each relay echoes the parsed value to its sender), or an adapter this code does not
 * know the broadcast of (the in-process one, the recovery one, or the Redis store's).
 */
export function frameRelay(context: SignalingContext): FrameRelay | undefined {
  if (context.clientLog || !context.sizedPackets) return undefined;
  const nsp = context.io.of('/');
  const { adapter } = nsp;
  const held = adapter instanceof HeldSessionAdapter ? adapter : undefined;
  const { rooms, limits, maxPayloadBytes, metrics } = context;
  const isLocal = rooms.isLocal?.bind(rooms);
  // A store that knows where a room's members sit (`isLocal`) has the handler relay to an
  // all-local room in the process (`socket.local`), past the adapter, as this does. Without it,
  // only an adapter that is known to deliver in the process alone is passed by.
  if (isLocal === undefined && held === undefined && adapter.constructor !== Adapter) {
    return undefined;
  }
  /** Set once the store answered `members` later: `signal` then always takes the handler. */
  let membersLater = false;

  const across = (adapter as Partial<RelaysFrames>).relayFrame?.bind(adapter);

  /** The room's members here, if a broadcast to it goes to them alone right now. */
  const localRoom = (room: string): ReadonlySet<string> | undefined => {
    if (isLocal !== undefined && !isLocal(room)) return undefined;
    const name = ROOM_PREFIX + room;
    if (held?.holds(name)) return undefined;
    return adapter.rooms.get(name) ?? NOBODY;
  };

  const message = (socket: SignalingSocket, frame: string): boolean => {
    const room = socket.data.room;
    const end = frame.length - 1;
    if (room === undefined || frame.charCodeAt(end) !== CLOSE_BRACKET) return false;
    // As the sized parser counts it: the packet's bytes less `2["message",` and `]`.
    const bytes = Buffer.byteLength(frame) - MESSAGE_HEAD.length - 1;
    if (!isPayload(frame.slice(MESSAGE_HEAD.length, end), bytes, maxPayloadBytes)) return false;
    const members = localRoom(room);
    if (members === undefined && (across === undefined || held !== undefined)) return false;
    const { buckets } = socket.data;
    if (!takeRelay(buckets, Bucket.message, limits.message, limits.messageBytes, bytes)) {
      return false;
    }
    if (members === undefined) {
      // A room with members on other processes (the handler's `socket.to(room)`).
      across?.(frame, ROOM_PREFIX + room, socket.id);
    } else {
      for (const id of members) {
        if (id === socket.id) continue;
        const conn = nsp.sockets.get(id)?.conn;
        if (conn !== undefined) writeFrame(conn, frame);
      }
    }
    metrics.relayed++;
    return true;
  };

  const signal = (socket: SignalingSocket, frame: string): boolean => {
    const room = socket.data.room;
    if (room === undefined || membersLater) return false;
    const to = SIGNAL_HEAD.length;
    let toEnd = to;
    while (toEnd < frame.length && toEnd - to <= MAX_TARGET) {
      const code = frame.charCodeAt(toEnd);
      if (code === QUOTE) break;
      if (code === BACKSLASH || code < 0x20) return false;
      toEnd++;
    }
    if (toEnd === to || toEnd - to > MAX_TARGET || !frame.startsWith(SIGNAL_DATA, toEnd)) {
      return false;
    }
    const start = toEnd + SIGNAL_DATA.length;
    const end = frame.length - 2;
    if (frame.charCodeAt(end) !== CLOSE_BRACE || frame.charCodeAt(end + 1) !== CLOSE_BRACKET) {
      return false;
    }
    const target = frame.slice(to, toEnd);
    if (target === socket.id) return false;
    const data = frame.slice(start, end);
    const bytes = Buffer.byteLength(data);
    if (!isPayload(data, bytes, maxPayloadBytes)) return false;
    const members = localRoom(room);
    const recipient = nsp.sockets.get(target);
    if (members === undefined || recipient === undefined || !members.has(target)) return false;
    // Only a store that answers at once (in this process) says here who sits in the room; a
    // shared one (Redis) is asked by the handler, which waits for it.
    const seated = rooms.members(room);
    if (seated instanceof Promise) {
      membersLater = true;
      seated.catch(() => {});
      return false;
    }
    if (!seated.includes(target)) return false;
    const { buckets } = socket.data;
    if (!takeRelay(buckets, Bucket.message, limits.message, limits.messageBytes, bytes)) {
      return false;
    }
    writeFrame(recipient.conn, `${SIGNAL_FROM}${socket.id}","data":${data}}]`);
    metrics.relayed++;
    return true;
  };

  return (socket, frame) => {
    if (!socket.connected) return false;
    if (frame.startsWith(MESSAGE_HEAD)) return message(socket, frame);
    if (frame.startsWith(SIGNAL_HEAD)) return signal(socket, frame);
    return false;
  };
}

/**
 * Whether `text` is one JSON value the handlers would relay: `JSON.parse` says it is JSON (what
 * it refuses, the receiving client would drop its connection on), and the handlers' own
 * `checkPayload` its depth and size. The value is dropped: the text is what is relayed. A walk
 * over the text that built nothing was tried: on the substring engine.io hands over (a sliced
 * string) reading it a character at a time cost more than the native parse.
 */
function isPayload(text: string, bytes: number, maxBytes: number): boolean {
  if (bytes > maxBytes) return false;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return false;
  }
  return typeof checkPayload(value, bytes, maxBytes) === 'number';
}

/**
 * Hands `socket`'s connection to the fast relay: its decoder (the sized parser's, one per
 * connection) then offers it each relay first. Socket.IO keeps the decoder as its `Client`'s
 * private `decoder`: socket.io is pinned in package.json for it, and relay.test.ts fails if an
 * upgrade moves it (relays would silently all take the slow path).
 */
export function relayFrom(relay: FrameRelay, socket: SignalingSocket): void {
  const { decoder } = socket.client as unknown as { decoder?: unknown };
  if (decoder instanceof SizedDecoder) decoder.relayFor(relay, socket);
}
