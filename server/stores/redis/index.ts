import { createClient } from '@redis/client';
import { createAdapter } from '@socket.io/redis-adapter';
import type { ServerOptions } from 'socket.io';
import type { SignalingLogger, SignalingServer } from '../../core/types.ts';
import { ROOM_PREFIX } from '../../protocol/index.ts';
import { type RedisClient, RedisRooms } from './rooms.ts';

/** What {@link connectRedis} returns: pass `rooms` and `adapter` to attachSignaling. */
export interface RedisSignaling {
  /** The shared room store. */
  rooms: RedisRooms;
  /** Socket.IO's Redis adapter, so room broadcasts reach members on other processes. */
  adapter: ServerOptions['adapter'];
  /** Lets the store tell the remaining members when a dead process's member lost its seat. */
  bind(io: SignalingServer): void;
  /** Stops the heartbeat and closes both Redis connections. */
  close(): Promise<void>;
}

/** Options of {@link connectRedis}. */
export interface ConnectRedisOptions {
  /** @default 2 */
  capacity?: number;
  /** @default console */
  logger?: SignalingLogger;
}

/**
 * Connects to Redis at `url` for several signaling processes to share rooms: one client for
 * commands and publishing, one in subscriber mode for the adapter.
 */
export async function connectRedis(
  url: string,
  options: ConnectRedisOptions = {},
): Promise<RedisSignaling> {
  const logger = options.logger ?? console;
  const pub: RedisClient = createClient({ url });
  const sub = pub.duplicate();
  for (const client of [pub, sub]) {
    // Without a listener an error event would kill the process; the client reconnects itself.
    client.on('error', (error: unknown) =>
      logger.error(`[signaling] Redis at ${url}: check that it is running and REDIS_URL:`, error),
    );
  }
  await Promise.all([pub.connect(), sub.connect()]);
  let io: SignalingServer | undefined;
  let closed = false;
  const rooms = new RedisRooms({
    client: pub,
    capacity: options.capacity,
    logger,
    onFreed: (room) => {
      if (closed) return;
      const key = ROOM_PREFIX + room;
      io?.to(key).emit('bye', room);
      rooms.members(room).then(
        (members) => {
          if (members.length > 0 && !closed) {
            io?.to(key).emit('room:update', {
              room,
              members: members.length,
              capacity: rooms.capacity,
            });
          }
        },
        (error: unknown) => logger.error(`[signaling] Redis: could not count room ${room}:`, error),
      );
    },
  });
  await rooms.start();
  return {
    rooms,
    adapter: createAdapter(publishing(pub, logger), sub),
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
      await Promise.allSettled([pub.close(), sub.close()]);
    },
  };
}

/**
 * The adapter publishes without handling the promise, and @redis/client rejects a command
 * that times out (5 s by default): unhandled, that would end the process on a slow Redis. Lose
 * that one broadcast instead, and say so.
 */
function publishing(client: RedisClient, logger: SignalingLogger): RedisClient {
  return new Proxy(client, {
    get(target, key) {
      // Bound to the client itself: its methods read private fields a proxy does not have.
      const value: unknown = Reflect.get(target, key, target);
      if (key === 'publish') {
        return (...args: Parameters<RedisClient['publish']>) =>
          target.publish(...args).catch((error: unknown) => {
            logger.error(
              '[signaling] Redis publish failed, a broadcast was lost; check Redis:',
              error,
            );
            return 0;
          });
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
