import type { createShardedAdapter } from '@socket.io/redis-adapter';
import type { Namespace, ServerOptions } from 'socket.io';
import type { ClusterMessage, Session } from 'socket.io-adapter';
import { writeFrame } from '../../core/frame-writer.ts';
import type { RelaysFrames } from '../../core/relay.ts';
import type { SignalingLogger } from '../../core/types.ts';
import { ROOM_PREFIX } from '../../protocol/index.ts';
import type { SeatClient } from './commands.ts';
import {
  type Guarded,
  type GuardOptions,
  guardedPublisher,
  type Lost,
  lostOf,
} from './publish-guard.ts';
import type { RedisRooms } from './rooms.ts';
import { keepSessionsInRedis } from './sessions.ts';

/** What Socket.IO hands an adapter to keep while a connection is away. */
type SessionToPersist = Omit<Session, 'missedPackets'>;

/**
 * The parts of the sharded adapter (a socket.io-adapter ClusterAdapter) this file adjusts:
 * internals, not API, so package.json pins @socket.io/redis-adapter and socket.io-adapter
 * exactly, and server/test/redis-internals.test.ts fails when an upgrade moves any of them.
 */
interface ShardedInternals {
  uid: string;
  nsp: Namespace;
  onMessage(message: ClusterMessage, offset?: string): void;
  doPublish(message: ClusterMessage): Promise<string>;
  addOffsetIfNecessary(packet: unknown, opts: unknown, offset: string): void;
  persistSession(session: SessionToPersist): void;
  restoreSession(pid: string, offset: string): Promise<Session | null>;
  addAll(id: string, rooms: Set<string>): Promise<void> | void;
  del(id: string, room: string): Promise<void> | void;
  onRawMessage(message: Buffer, channel: Buffer): void;
  /** Room to the ids of this process's sockets in it. */
  rooms: Map<string, Set<string>>;
  dynamicChannel(room: string): string;
  shouldUseASeparateNamespace(room: string): boolean;
}

/** The subscriber connection, as node-redis (client or cluster) offers it. */
export interface ShardedSubscriber {
  sSubscribe(
    channel: string,
    listener: (message: Buffer, channel: Buffer) => void,
    bufferMode: true,
  ): Promise<unknown>;
  sUnsubscribe(channel: string): Promise<unknown>;
}

/** The publishing connection, as node-redis (client or cluster) offers it. */
export interface ShardedPublisher {
  sPublish(channel: string, message: string): Promise<unknown>;
}

/** Options of {@link relayAdapter}. */
export interface RelayAdapterOptions extends GuardOptions {
  /** The sharded adapter's factory, `createShardedAdapter(pub, sub, ...)`. */
  sharded: ReturnType<typeof createShardedAdapter>;
  rooms: RedisRooms;
  /** For the sessions kept for recovery, in Redis so any process can take one back. */
  client: SeatClient;
  /** The connection the sharded adapter subscribes on. */
  subscriber: ShardedSubscriber;
  /** The connection the sharded adapter publishes on; relays go out on it as frames. */
  publisher: ShardedPublisher;
  prefix: string;
}

/**
 * Socket.IO's sharded Redis adapter (SPUBLISH to one channel per room, so only the processes
 * with a member in a room receive its broadcasts), with what signaling needs on top:
 * - a broadcast from another process tells the store that the room is no longer all local;
 * - a failed publish is retried once, and a relay that still fails, or finds too many publishes
 *   in flight, is reported to its sender (`signaling:error`, `relay-failed`), never dropped
 *   silently;
 * - no replay offset is appended to events (the codelab's argument lists stay exact), and a
 *   session kept for recovery lives in Redis, so a reconnect landing on another process takes
 *   its seat back.
 */
export function relayAdapter(options: RelayAdapterOptions): NonNullable<ServerOptions['adapter']> {
  const guarded = guardedPublisher(options);
  return function RelayAdapter(nsp: Namespace) {
    const adapter = options.sharded(nsp);
    const internals = adapter as unknown as ShardedInternals;
    tellStoreOfEvents(internals, options, guarded);
    internals.addOffsetIfNecessary = () => {};
    const frames = relayFrames(internals, options, guarded);
    const broadcast = adapter.broadcast.bind(adapter);
    adapter.broadcast = (packet, opts) => {
      const [only, more] = opts.rooms;
      const flags = opts.flags ?? {};
      // With recovery on, Socket.IO sends even `socket.emit` through the adapter (to the
      // socket's own room, for an offset we never use): delivered here, it need not cross Redis.
      if (more === undefined && only !== undefined && nsp.sockets.has(only) && !flags.local) {
        return broadcast(packet, { ...opts, flags: { ...flags, local: true } });
      }
      // Room affinity for every event, not only relays: to a room whose members all sit here
      // (a join's `join`, `ready`, member lists), nothing need cross Redis. Another process
      // that seats a member later publishes its own `join`, which ends the affinity here.
      if (
        more === undefined &&
        only?.startsWith(ROOM_PREFIX) &&
        !flags.local &&
        flags.timeout === undefined &&
        options.rooms.isLocal(only.slice(ROOM_PREFIX.length))
      ) {
        return broadcast(packet, { ...opts, flags: { ...flags, local: true } });
      }
      // An event to a signaling room (a relay, `join`, `ready`, member lists): one frame,
      // encoded once, delivered here at once and to the other processes as that frame.
      const [sender, other] = opts.except ?? [];
      if (
        more === undefined &&
        only?.startsWith(ROOM_PREFIX) &&
        other === undefined &&
        packet.type === EVENT &&
        typeof packet.data?.[0] === 'string' &&
        !flags.local &&
        !flags.volatile &&
        flags.timeout === undefined &&
        frames.send(packet, only, sender ?? '')
      ) {
        return Promise.resolve();
      }
      return broadcast(packet, opts);
    };
    // The fast relay (core/relay.ts) hands a `message` to a room that is not all here as the
    // frame it arrived in: it crosses Redis as that frame, as `send` would have encoded it.
    (adapter as unknown as RelaysFrames).relayFrame = (frame, room, sender) =>
      frames.sendFrame(frame, 'message', room, sender);
    keepSessionsInRedis(internals, options);
    subscribeKnowingWhen(adapter, internals, options, frames.receive);
    return adapter;
  };
}

/**
 * The store hears of the room events that cross Redis: one from another process (a member may
 * have joined there: the room is no longer taken for all local), and each of ours as it is
 * published (a seat is told once its `join` is taken, see RedisRooms.listening). Every publish
 * is guarded (see {@link guardedPublisher}).
 */
function tellStoreOfEvents(
  internals: ShardedInternals,
  options: RelayAdapterOptions,
  guarded: Guarded,
): void {
  const onMessage = internals.onMessage.bind(internals);
  internals.onMessage = (message, offset) => {
    // Another process's broadcast: a member may have joined there.
    const broadcast = message.uid === internals.uid ? undefined : lostOf(message);
    for (const room of signalingRooms(broadcast)) {
      options.rooms.affinity.changedElsewhere(room, broadcast?.event);
    }
    onMessage(message, offset);
  };
  const publish = internals.doPublish.bind(internals);
  internals.doPublish = (message) => {
    const lost = lostOf(message);
    const sent = guarded(internals.nsp, lost, () => publish(message));
    // A seat is told once its `join` is taken (RedisRooms.listening).
    for (const room of signalingRooms(lost)) options.rooms.affinity.publishing(room, sent);
    return sent;
  };
}

/** The signaling room named by a Socket.IO room (`room:<name>`), or undefined for another. */
function signalingRoom(room: string): string | undefined {
  return room.startsWith(ROOM_PREFIX) ? room.slice(ROOM_PREFIX.length) : undefined;
}

/** The signaling rooms a broadcast is sent to (not the socket ids it may name). */
function signalingRooms(broadcast: Lost | undefined): string[] {
  const rooms: string[] = [];
  for (const room of broadcast?.rooms ?? []) {
    const name = signalingRoom(room);
    if (name !== undefined) rooms.push(name);
  }
  return rooms;
}

/** Socket.IO's packet type for an event (socket.io-parser's `PacketType.EVENT`). */
const EVENT = 2;

/**
 * An event to a room on the wire between processes: `R<adapter uid>\n<room>\n<sender id or
 * nothing>\n<frame>`.
 */
const FRAME = 0x52;

/**
 * Events to a room (relays, and a join's news) cross Redis as the Socket.IO frame the
 * recipients will get, encoded once by the sender's process, rather than as the adapter's JSON
 * message that both sides parse (the sender's own copy comes back to it) and the receiver
 * encodes again. Neither a room name, a socket id nor JSON text holds a raw newline.
 */
function relayFrames(internals: ShardedInternals, options: RelayAdapterOptions, guarded: Guarded) {
  const { nsp } = internals;
  const encoder = nsp.server.encoder as { encode(packet: unknown): unknown[] };
  const deliver = (room: string, except: string, frame: string) => {
    for (const id of internals.rooms.get(room) ?? []) {
      if (id === except) continue;
      // What Socket.IO's own broadcast does with a packet it encoded once for many sockets,
      // straight to the WebSocket where it can (frame-writer.ts).
      const conn = nsp.sockets.get(id)?.conn;
      if (conn !== undefined) writeFrame(conn, frame);
    }
  };
  return {
    /** Sends `packet` to `room` but `sender` (a socket id, or ''); false if it is binary. */
    send(packet: { nsp?: string; data?: unknown[] }, room: string, sender: string): boolean {
      packet.nsp = nsp.name;
      const [frame, more] = encoder.encode(packet);
      if (typeof frame !== 'string' || more !== undefined) return false;
      this.sendFrame(frame, packet.data?.[0], room, sender);
      return true;
    },
    /** Sends the encoded event `frame`, named `event`, to `room` but `sender`. */
    sendFrame(frame: string, event: unknown, room: string, sender: string): void {
      deliver(room, sender, frame);
      const lost = { event, rooms: [room], except: sender ? [sender] : [] };
      const text = `R${internals.uid}\n${room}\n${sender}\n${frame}`;
      const channel = internals.dynamicChannel(room);
      const sent = guarded(nsp, lost, () => options.publisher.sPublish(channel, text));
      // A relay's failure is reported to its sender by guarded(); a seat is told once its
      // `join` is taken (RedisRooms.listening).
      if (event === 'message') sent.catch(() => {});
      else options.rooms.affinity.publishing(room.slice(ROOM_PREFIX.length), sent);
    },
    /** Delivers a frame from Redis; false if `raw` is the adapter's own message instead. */
    receive(raw: Buffer): boolean {
      if (raw[0] !== FRAME) return false;
      const { uid } = internals;
      if (raw.toString('latin1', 1, 1 + uid.length) === uid) return true;
      const text = raw.toString();
      const roomEnd = text.indexOf('\n', uid.length + 2);
      const senderEnd = text.indexOf('\n', roomEnd + 1);
      const room = text.slice(uid.length + 2, roomEnd);
      const frame = text.slice(senderEnd + 1);
      // The event's name, read off the frame (`42["name",...`): names hold no quote.
      const start = frame.indexOf('["') + 2;
      const event = frame.slice(start, frame.indexOf('"', start));
      options.rooms.affinity.changedElsewhere(room.slice(ROOM_PREFIX.length), event);
      deliver(room, text.slice(roomEnd + 1, senderEnd), frame);
      return true;
    },
  };
}

/**
 * The sharded adapter subscribes to a room's channel when the room's first member here joins,
 * without waiting. Until the subscription is in place a join on another process can go unheard,
 * and a room wrongly taken for all local would relay with `.local` and lose messages: so the
 * store hears when a subscription is really in place ({@link RedisRooms.subscribed}) and only
 * then may take a room for local.
 */
function subscribeKnowingWhen(
  adapter: { on(event: string, listener: (room: string) => void): unknown } & {
    removeAllListeners(event: string): unknown;
  },
  internals: ShardedInternals,
  options: RelayAdapterOptions,
  receiveFrame: (raw: Buffer) => boolean,
): void {
  const handler = (message: Buffer, channel: Buffer) => {
    if (!receiveFrame(message)) internals.onRawMessage(message, channel);
  };
  adapter.removeAllListeners('create-room');
  adapter.removeAllListeners('delete-room');
  // The subscription each room holds now: one that resolves after its room was deleted (and
  // maybe made again, with a subscription of its own still on its way) says nothing.
  const current = new Map<string, number>();
  let made = 0;
  adapter.on('create-room', (room) => {
    if (!internals.shouldUseASeparateNamespace(room)) return;
    const mine = ++made;
    current.set(room, mine);
    options.subscriber.sSubscribe(internals.dynamicChannel(room), handler, true).then(
      () => {
        const signaling = signalingRoom(room);
        if (signaling !== undefined && current.get(room) === mine) {
          options.rooms.affinity.subscribed(signaling);
        }
      },
      (error: unknown) =>
        options.logger.error(`[signaling] Redis: could not subscribe to room ${room}:`, error),
    );
  });
  adapter.on('delete-room', (room) => {
    if (!internals.shouldUseASeparateNamespace(room)) return;
    current.delete(room);
    const signaling = signalingRoom(room);
    if (signaling !== undefined) options.rooms.affinity.unsubscribed(signaling);
    options.subscriber
      .sUnsubscribe(internals.dynamicChannel(room))
      .catch((error: unknown) =>
        options.logger.error(`[signaling] Redis: could not unsubscribe from ${room}:`, error),
      );
  });
}
