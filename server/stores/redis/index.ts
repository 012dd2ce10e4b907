import { createClient, createCluster } from '@redis/client';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { ServerOptions } from 'socket.io';
import { tellDeparture } from '../../core/departure.ts';
import { redactingLogger, redactUrl, secretsOf } from '../../core/redact.ts';
import type { SignalingLogger, SignalingServer } from '../../core/types.ts';
import { ROOM_PREFIX } from '../../protocol/index.ts';
import { relayAdapter, type ShardedPublisher, type ShardedSubscriber } from './adapter.ts';
import { type ScriptingClient, type SeatClient, scriptClient } from './commands.ts';
import { RedisRooms, type RedisRoomsOptions } from './rooms.ts';

/** What {@link connectRedis} returns: pass `rooms` and `adapter` to attachSignaling. */
export interface RedisSignaling {
  /** The shared room store. */
  rooms: RedisRooms;
  /** Socket.IO's sharded Redis adapter, so room broadcasts reach members on other processes. */
  adapter: NonNullable<ServerOptions['adapter']>;
  /** Lets the store tell members on this process what happened to their room elsewhere. */
  bind(io: SignalingServer): void;
  /** Stops the heartbeat and closes the Redis connections; never rejects. */
  close(): Promise<void>;
}

/** Options of {@link connectRedis}. */
export interface ConnectRedisOptions {
  /** @default 2 */
  capacity?: number;
  /**
   * `url` lists the seed nodes of a Redis Cluster, comma-separated.
   * @default false
   */
  cluster?: boolean;
  /** @default 'signaling:' */
  prefix?: string;
  /** @default 1000 */
  heartbeatMs?: number;
  /** @default 3000 */
  ttlMs?: number;
  /**
   * How long a Redis command may take before it fails (and a relay is retried, then reported).
   * @default 5000
   */
  commandTimeoutMs?: number;
  /**
   * Relays waiting on Redis past which the next is refused with `relay-failed`.
   * @default 10000
   */
  maxInFlight?: number;
  /** Where warnings and errors go, with the URL's password taken out. @default console */
  logger?: SignalingLogger;
}

/** A connection (or cluster client) as this file uses it. */
type Connection = SeatClient & {
  close(): Promise<void>;
  on(event: 'error', listener: (e: unknown) => void): unknown;
};

/**
 * Three connections: one for seat commands and publishing, one in subscriber mode, and one for
 * the heartbeat alone, so that a busy process's queue of commands never delays its beat.
 */
interface Connections {
  /** Publishes (no timeout of node-redis's own), and {@link seats} on the same connection. */
  pub: Connection;
  /** The publishing connection, with a timeout on each command: for seats and sessions. */
  seats: SeatClient;
  sub: Connection;
  beat: Connection;
  connect(): Promise<unknown>;
}

/**
 * What the store tells this process's sockets: survivors of a dead process's member, and a
 * member whose seat was given away while this process stalled. `io` is undefined until the
 * server is bound and after the store is closed.
 */
function storeEvents(
  io: () => SignalingServer | undefined,
  capacity: () => number,
): Pick<RedisRoomsOptions, 'onPeerGone' | 'onSeatLost'> {
  return {
    onPeerGone: (room, member, remaining) => {
      const server = io();
      if (!server) return;
      // To the survivors by id, not to the room: the "dead" process may only be stalled.
      tellDeparture(
        server.to([...remaining]),
        { room, member, capacity: capacity(), remaining },
        () => io() !== undefined,
      );
    },
    onSeatLost: (room, member) => {
      const socket = io()?.of('/').sockets.get(member);
      if (!socket || socket.data.room !== room) return;
      socket.data.room = undefined;
      socket.leave(ROOM_PREFIX + room);
      socket.emit('signaling:error', {
        event: 'create or join',
        code: 'seat-lost',
        message: `this server stalled and your seat in room "${room}" was given away; join again`,
      });
    },
  };
}

/**
 * A Redis client's error: seats are refused until Redis answers again (the client reconnects
 * itself). Without a listener an error event would kill the process. The detail goes to the
 * log only (its logger redacts the URL's password); clients and `/healthz` hear no more than
 * "Redis unreachable".
 */
function clientError(rooms: RedisRooms, url: string, logger: SignalingLogger, error: unknown) {
  rooms.unreachable(REDIS_UNREACHABLE);
  logger.error(
    `[signaling] Redis at ${redactUrl(url)}: check that it is running and REDIS_URL:`,
    error,
  );
}

/** What clients and `/healthz` are told while Redis does not answer: never the error's text. */
export const REDIS_UNREACHABLE = 'Redis unreachable';

/**
 * Connects to Redis (or a Redis Cluster) at `url` for several signaling processes to share
 * rooms: the seat store, and the sharded adapter for room broadcasts. Everything it logs has
 * the URL's password taken out.
 */
export async function connectRedis(
  url: string,
  options: ConnectRedisOptions = {},
): Promise<RedisSignaling> {
  const logger = redactingLogger(options.logger ?? console, secretsOf(url));
  const prefix = options.prefix ?? 'signaling:';
  const { pub, seats, sub, beat, connect, sharded } = connections(url, options);
  let io: SignalingServer | undefined;
  let closed = false;
  const rooms: RedisRooms = new RedisRooms({
    client: seats,
    heartbeatClient: beat,
    capacity: options.capacity,
    prefix,
    heartbeatMs: options.heartbeatMs,
    ttlMs: options.ttlMs,
    subscribeTimeoutMs: options.commandTimeoutMs ?? 5000,
    logger,
    ...storeEvents(
      () => (closed ? undefined : io),
      () => rooms.capacity,
    ),
  });
  for (const client of [pub, sub, beat]) {
    client.on('error', (error: unknown) => {
      if (!closed) clientError(rooms, url, logger, error);
    });
  }
  await connect();
  await rooms.start();
  return {
    rooms,
    adapter: relayAdapter({
      sharded,
      rooms,
      client: seats,
      subscriber: sub as unknown as ShardedSubscriber,
      publisher: pub as unknown as ShardedPublisher,
      prefix,
      maxInFlight: options.maxInFlight ?? 10_000,
      retryMs: 50,
      timeoutMs: options.commandTimeoutMs ?? 5000,
      logger,
    }),
    bind(server) {
      io = server;
    },
    async close() {
      closed = true;
      await rooms
        .close()
        .catch((error: unknown) =>
          logger.error('[signaling] Redis: could not drop this process; its seats expire:', error),
        );
      await Promise.allSettled([pub.close(), sub.close(), beat.close()]);
    },
  };
}

/** The clients for one Redis or a cluster, and the sharded adapter on them. */
function connections(
  url: string,
  options: ConnectRedisOptions,
): Connections & { sharded: ReturnType<typeof createShardedAdapter> } {
  // No offline queue for commands: while Redis is away a join fails at once (and is refused
  // with a clear error) rather than waiting. A timeout bounds a seat command (one timer for
  // all, scriptClient) or a heartbeat on a slow Redis; publishes have none of their own
  // (node-redis would make an AbortSignal for each): the adapter's one timer reports the late
  // ones (lateRelays in adapter.ts).
  const timeout = { timeout: options.commandTimeoutMs ?? 5000 };
  const commands = { disableOfflineQueue: true, commandOptions: timeout };
  const publishes = { disableOfflineQueue: true, commandOptions: { timeout: 0 } };
  if (options.cluster) {
    const rootNodes = url.split(',').map((node) => ({ url: node.trim() }));
    const pub = createCluster({ rootNodes, defaults: publishes, commandOptions: { timeout: 0 } });
    const sub = createCluster({ rootNodes });
    const beat = createCluster({ rootNodes, defaults: commands, commandOptions: timeout });
    return {
      pub: pub as unknown as Connection,
      seats: scriptClient(pub as unknown as ScriptingClient, timeout.timeout),
      sub: sub as unknown as Connection,
      beat: beat as unknown as Connection,
      connect: () => Promise.all([pub.connect(), sub.connect(), beat.connect()]),
      sharded: createShardedAdapter(pub, sub, { subscriptionMode: 'dynamic' }),
    };
  }
  const pub = createClient({ url, ...publishes });
  const sub = createClient({ url });
  const beat = createClient({ url, ...commands });
  return {
    pub: pub as unknown as Connection,
    seats: scriptClient(pub as unknown as ScriptingClient, timeout.timeout),
    sub: sub as unknown as Connection,
    beat: beat as unknown as Connection,
    connect: () => Promise.all([pub.connect(), sub.connect(), beat.connect()]),
    sharded: createShardedAdapter(pub, sub, { subscriptionMode: 'dynamic' }),
  };
}
