import { randomUUID } from 'node:crypto';
import type { createClient } from '@redis/client';
import type { JoinOutcome, RoomStore } from '../../core/store.ts';
import type { SignalingLogger } from '../../core/types.ts';

/** The Redis client the store needs: any connected `@redis/client` client. */
export type RedisClient = ReturnType<typeof createClient>;

/** Options of {@link RedisRooms}. */
export interface RedisRoomsOptions {
  /** A connected client; the store never closes it. */
  client: RedisClient;
  /**
   * How many members a room holds; every process on one Redis must agree.
   * @default 2
   */
  capacity?: number;
  /**
   * Prefix of every key, so several deployments can share one Redis.
   * @default 'signaling:'
   */
  prefix?: string;
  /**
   * How often this process tells Redis it is alive, and sweeps the seats of dead processes.
   * @default 1000
   */
  heartbeatMs?: number;
  /**
   * How long after its last heartbeat a process counts as dead and its seats are freed.
   * @default 3000
   */
  ttlMs?: number;
  /** Told of each room in which a dead process's member lost its seat (to say `bye`). */
  onFreed?: (room: string) => void;
  /** @default console */
  logger?: SignalingLogger;
}

// Every seat is written twice in one script: in the room's hash (member -> process) and in its
// process's set, so that survivors can free a dead process's seats without scanning all rooms.
// Seats are "room\nmember": neither a room name nor a socket id may hold a newline.
const JOIN = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return {'full'} end
local others = redis.call('HKEYS', KEYS[1])
if #others >= tonumber(ARGV[3]) then return {'full'} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[4] .. '\\n' .. ARGV[1])
if #others == 0 then return {'created'} end
table.insert(others, 1, 'joined')
return others
`;

const LEAVE = `
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2] .. '\\n' .. ARGV[1])
return redis.call('HKEYS', KEYS[1])
`;

const HEARTBEAT = `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
return 1
`;

// Keys are built inside the script, so this needs one Redis (or Sentinel), not Redis Cluster.
// A seat is freed only if the room still names the dead process as its holder.
const SWEEP = `
local freed = {}
for _, pid in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. 'proc:' .. pid .. ':alive') == 0 then
    local seats = ARGV[1] .. 'proc:' .. pid .. ':seats'
    for _, seat in ipairs(redis.call('SMEMBERS', seats)) do
      local cut = string.find(seat, '\\n', 1, true)
      local room = string.sub(seat, 1, cut - 1)
      local member = string.sub(seat, cut + 1)
      local key = ARGV[1] .. 'room:' .. room
      if redis.call('HGET', key, member) == pid then
        redis.call('HDEL', key, member)
        table.insert(freed, room)
      end
    end
    redis.call('DEL', seats)
    redis.call('SREM', KEYS[1], pid)
  end
end
return freed
`;

/**
 * Room occupancy shared by every process on one Redis: each join is one Lua script, so the
 * capacity holds across processes under races. Each process keeps a heartbeat key with a TTL;
 * the survivors free the seats of a process whose key expired.
 */
export class RedisRooms implements RoomStore {
  /** This process's id in Redis. */
  readonly processId = randomUUID();
  /** How many members a room holds. */
  readonly capacity: number;
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #heartbeatMs: number;
  readonly #ttlMs: number;
  readonly #onFreed: ((room: string) => void) | undefined;
  readonly #logger: SignalingLogger;
  #timer: NodeJS.Timeout | undefined;
  // Seats this process holds, per room, so `size` needs no round trip (metrics read it).
  readonly #local = new Map<string, number>();

  /** Does no I/O; call {@link start} before the first join. */
  constructor(options: RedisRoomsOptions) {
    this.#client = options.client;
    this.capacity = options.capacity ?? 2;
    this.#prefix = options.prefix ?? 'signaling:';
    this.#heartbeatMs = options.heartbeatMs ?? 1000;
    this.#ttlMs = options.ttlMs ?? 3000;
    this.#onFreed = options.onFreed;
    this.#logger = options.logger ?? console;
    if (this.#ttlMs <= this.#heartbeatMs) {
      throw new RangeError('[signaling] RedisRooms ttlMs must be longer than heartbeatMs');
    }
  }

  /** Registers this process as alive, and keeps it so until {@link close}. */
  async start(): Promise<void> {
    await this.#beat();
    this.#timer = setInterval(() => {
      this.#beat()
        .then(() => this.#sweep())
        .catch((error: unknown) => {
          // A beat already on its way when close() ran fails on the closed client: no news.
          if (this.#timer === undefined) return;
          this.#logger.error(
            '[signaling] Redis heartbeat failed; seats may be freed if it keeps failing. Check that Redis is up:',
            error,
          );
        });
    }, this.#heartbeatMs);
    this.#timer.unref();
  }

  /** Gives `member` a seat in `room` if one is free, atomically across processes. */
  async join(room: string, member: string): Promise<JoinOutcome> {
    const reply = (await this.#client.eval(JOIN, {
      keys: [this.#roomKey(room), this.#seatsKey(this.processId)],
      arguments: [member, this.processId, String(this.capacity), room],
    })) as string[];
    const [kind, ...others] = reply;
    if (kind === 'full') return { kind: 'full' };
    this.#local.set(room, (this.#local.get(room) ?? 0) + 1);
    return kind === 'joined' ? { kind: 'joined', others } : { kind: 'created' };
  }

  /** Frees `member`'s seat in `room`; returns the members who remain. */
  async leave(room: string, member: string): Promise<readonly string[]> {
    const seats = this.#local.get(room) ?? 0;
    if (seats <= 1) this.#local.delete(room);
    else this.#local.set(room, seats - 1);
    return (await this.#client.eval(LEAVE, {
      keys: [this.#roomKey(room), this.#seatsKey(this.processId)],
      arguments: [member, room],
    })) as string[];
  }

  /** How many rooms have a member on this process (the shared total would cost a scan). */
  get size(): number {
    return this.#local.size;
  }

  /** The members of `room`, on any process. */
  async members(room: string): Promise<readonly string[]> {
    return this.#client.hKeys(this.#roomKey(room));
  }

  /** Frees the seats of processes whose heartbeat expired; returns the rooms it touched. */
  async sweep(): Promise<string[]> {
    return (await this.#client.eval(SWEEP, {
      keys: [`${this.#prefix}procs`],
      arguments: [this.#prefix],
    })) as string[];
  }

  /**
   * Stops the heartbeat and drops this process's alive key, so the survivors' next sweep frees
   * any seat still held at once rather than after the TTL.
   */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#client.del(`${this.#prefix}proc:${this.processId}:alive`);
  }

  async #beat(): Promise<void> {
    await this.#client.eval(HEARTBEAT, {
      keys: [`${this.#prefix}procs`, `${this.#prefix}proc:${this.processId}:alive`],
      arguments: [this.processId, String(this.#ttlMs)],
    });
  }

  async #sweep(): Promise<void> {
    for (const room of await this.sweep()) this.#onFreed?.(room);
  }

  #roomKey(room: string): string {
    return `${this.#prefix}room:${room}`;
  }

  #seatsKey(processId: string): string {
    return `${this.#prefix}proc:${processId}:seats`;
  }
}
