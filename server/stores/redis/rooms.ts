import { randomUUID } from 'node:crypto';
import type { createClient } from '@redis/client';
import type { SpentTokens } from '../../core/room-access.ts';
import {
  checkedCapacity,
  type JoinOutcome,
  type RoomStore,
  type StoreHealth,
} from '../../core/store.ts';
import type { SignalingLogger } from '../../core/types.ts';
import { type LocalRoom, RoomAffinity } from './affinity.ts';
import type { SeatClient } from './commands.ts';
import { Heartbeat } from './heartbeat.ts';
import {
  DEL,
  EXISTS,
  FREE_DEAD,
  GET_SET_ALIVE,
  HGETALL,
  HOLD,
  JOIN,
  LEAVE,
  list,
  pairs,
  RECLAIM,
  RESUME,
  SADD,
  SMEMBERS,
  SREM,
  strings,
} from './scripts.ts';
import { redisSpentTokens } from './spent-tokens.ts';

/** A node-redis client, as `connectRedis` makes for one Redis. */
export type RedisClient = ReturnType<typeof createClient>;

/** Options of {@link RedisRooms}. */
export interface RedisRoomsOptions {
  /** A connected client (or cluster client); the store never closes it. */
  client: SeatClient;
  /**
   * A connection of its own for the heartbeat, so a beat never waits behind the commands of a
   * busy process and an alive process is not swept for being busy. The store never closes it.
   * @default client
   */
  heartbeatClient?: SeatClient;
  /**
   * How many members a room holds; every process on one Redis must agree.
   * @default 2
   */
  capacity?: number;
  /**
   * Prefix of every key, so several deployments can share one Redis. No braces: the keys'
   * hash tags are the store's own.
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
  /**
   * A dead process's `member` lost its seat in `room`: tell `remaining` (socket ids on live
   * processes, in seating order) that it left. Only the remaining members, never the room:
   * the dead process may resume.
   */
  onPeerGone?: (room: string, member: string, remaining: readonly string[]) => void;
  /** This process resumed after a stall, and `member`'s seat in `room` was taken meanwhile. */
  onSeatLost?: (room: string, member: string) => void;
  /**
   * How long a join waits for this process's subscription to its room before it is answered
   * anyway (see {@link RedisRooms.listening}).
   * @default 5000
   */
  subscribeTimeoutMs?: number;
  /** @default console */
  logger?: SignalingLogger;
}

/**
 * Room occupancy shared by every process on one Redis or Redis Cluster. Each change to a room
 * is one Lua script on that room's key alone, so capacity holds across processes under races
 * and every script runs on a cluster. Each process keeps a heartbeat key with a TTL and an index
 * of its seats (written before the seat, so no seat is ever missing from it); survivors free a
 * dead process's seats. The store also knows, per room with a member here, whether every member
 * is here ({@link isLocal}), so those relays never touch Redis.
 */
export class RedisRooms implements RoomStore {
  /** This process's id in Redis. */
  readonly processId: string = randomUUID();
  /** How many members a room holds. */
  readonly capacity: number;
  /** Spent room tokens, in Redis: spent on one process, spent on all. */
  readonly spentTokens: SpentTokens;
  readonly #client: SeatClient;
  readonly #heartbeatClient: SeatClient;
  readonly #prefix: string;
  readonly #heartbeatMs: number;
  readonly #ttlMs: number;
  readonly #options: RedisRoomsOptions;
  readonly #logger: SignalingLogger;
  /** Which rooms are all here, and when this process hears them; the adapter tells it. */
  readonly affinity: RoomAffinity;
  readonly #rooms: Map<string, LocalRoom>;
  /** Leaves that failed (Redis down): replayed when Redis is back, so no seat stays behind. */
  readonly #pendingLeaves = new Set<string>();
  readonly #heartbeat: Heartbeat;
  #closed = false;

  /** Does no I/O; call {@link start} before the first join. */
  constructor(options: RedisRoomsOptions) {
    this.#options = options;
    this.#client = options.client;
    this.#heartbeatClient = options.heartbeatClient ?? options.client;
    this.capacity = checkedCapacity(options.capacity ?? 2);
    this.#prefix = options.prefix ?? 'signaling:';
    this.#heartbeatMs = options.heartbeatMs ?? 1000;
    this.#ttlMs = options.ttlMs ?? 3000;
    this.#logger = options.logger ?? console;
    this.spentTokens = redisSpentTokens(options.client, this.#prefix);
    this.affinity = new RoomAffinity({
      processId: this.processId,
      read: (room) => this.#eval(HGETALL, this.#roomKey(room)),
      subscribeTimeoutMs: options.subscribeTimeoutMs ?? 5000,
      logger: this.#logger,
      logLater: (what) => this.#logLater(what),
    });
    this.#rooms = this.affinity.rooms;
    this.#heartbeat = new Heartbeat({
      beat: async () => {
        const key = this.#aliveKey(this.processId);
        const arguments_ = [`${this.#ttlMs}`];
        return (
          Number(
            await this.#heartbeatClient.eval(GET_SET_ALIVE, { keys: [key], arguments: arguments_ }),
          ) === 1
        );
      },
      register: () => this.#register(),
      sweep: () => this.sweep(),
      intervalMs: this.#heartbeatMs,
      logger: this.#logger,
    });
    if (this.#ttlMs <= this.#heartbeatMs) {
      throw new RangeError('[signaling] RedisRooms ttlMs must be longer than heartbeatMs');
    }
  }

  /** Registers this process as alive, and keeps it so until {@link close}. */
  start(): Promise<void> {
    return this.#heartbeat.start();
  }

  /** Ok while the heartbeat reaches Redis; else why not (joins are refused meanwhile). */
  health(): StoreHealth {
    return this.#heartbeat.health();
  }

  /** Marks Redis unreachable at once (a client error), before the next heartbeat notices. */
  unreachable(reason: string): void {
    this.#heartbeat.unreachable(reason);
  }

  /** Every member of `room` sits on this process, as far as it knows for sure. */
  isLocal(room: string): boolean {
    return this.affinity.isLocal(room);
  }

  /** See {@link RoomAffinity.listening}. */
  listening(room: string): Promise<void> | undefined {
    return this.affinity.listening(room);
  }

  /** Gives `member` a seat in `room` if one is free (or held for a dropped member), atomically. */
  async join(room: string, member: string): Promise<JoinOutcome> {
    const entry = this.affinity.entry(room);
    const { version } = entry;
    const seat = this.#seat(room, member);
    // The index first, sent together (in order on one connection): a seat missing from it
    // would survive this process's death. If the index failed, the seat is handed back.
    const indexed = this.#eval(SADD, this.#seatsKey(), seat);
    const joined = this.#eval(
      JOIN,
      this.#roomKey(room),
      member,
      this.processId,
      `${this.capacity}`,
    );
    let reply: string[];
    try {
      const [index, answer] = await Promise.allSettled([indexed, joined]);
      if (index.status === 'rejected') {
        if (answer.status === 'fulfilled') this.#pendingLeaves.add(seat);
        throw index.reason;
      }
      if (answer.status === 'rejected') throw answer.reason;
      reply = strings(answer.value);
    } catch (error) {
      this.affinity.dropIfEmpty(room, entry);
      throw error;
    }
    const [kind = 'full', replaced = '', ...hash] = reply;
    if (kind === 'full') {
      this.affinity.dropIfEmpty(room, entry);
      this.#eval(SREM, this.#seatsKey(), seat).catch(this.#logLater('unindex a refused seat'));
      return { kind: 'full' };
    }
    entry.members.add(member);
    this.affinity.apply(room, entry, version, hash);
    if (kind === 'created') return { kind };
    const others = pairs(hash)
      .map(([id]) => id)
      .filter((id) => id !== member);
    return replaced === '' ? { kind: 'joined', others } : { kind: 'joined', others, replaced };
  }

  /** Frees `member`'s seat in `room`; returns the members who remain. */
  async leave(room: string, member: string): Promise<readonly string[]> {
    const entry = this.#rooms.get(room);
    entry?.members.delete(member);
    const version = entry?.version ?? 0;
    if (entry && entry.members.size === 0) this.#rooms.delete(room);
    const seat = this.#seat(room, member);
    let hash: string[];
    try {
      hash = strings(await this.#eval(LEAVE, this.#roomKey(room), member));
    } catch (error) {
      this.#pendingLeaves.add(seat);
      throw error;
    }
    this.#eval(SREM, this.#seatsKey(), seat).catch(this.#logLater('unindex a freed seat'));
    if (entry && entry.members.size > 0) this.affinity.apply(room, entry, version, hash);
    return pairs(hash).map(([id]) => id);
  }

  /** Marks `member`'s seat held, so a join on any process may take it over. */
  async hold(room: string, member: string): Promise<void> {
    await this.#eval(HOLD, this.#roomKey(room), member, this.processId, `${Date.now()}`);
  }

  /** Frees a held seat still held here; `undefined` if it was resumed or taken meanwhile. */
  async expire(room: string, member: string): Promise<readonly string[] | undefined> {
    const entry = this.#rooms.get(room);
    entry?.members.delete(member);
    if (entry && entry.members.size === 0) this.#rooms.delete(room);
    const [freed = 0, ...hash] = list(
      await this.#eval(FREE_DEAD, this.#roomKey(room), member, this.processId),
    );
    this.#eval(SREM, this.#seatsKey(), this.#seat(room, member)).catch(
      this.#logLater('unindex an expired seat'),
    );
    return Number(freed) === 1 ? strings(hash).filter((_, i) => i % 2 === 0) : undefined;
  }

  /** Moves `member`'s seat, held on any process, to this one; false if it is gone. */
  async resume(room: string, member: string): Promise<boolean> {
    const entry = this.affinity.entry(room);
    const { version } = entry;
    await this.#eval(SADD, this.#seatsKey(), this.#seat(room, member));
    const [kept = 0, ...hash] = list(
      await this.#eval(RESUME, this.#roomKey(room), member, this.processId),
    );
    if (Number(kept) !== 1) {
      this.affinity.dropIfEmpty(room, entry);
      return false;
    }
    entry.members.add(member);
    this.affinity.apply(room, entry, version, strings(hash));
    return true;
  }

  /** How many rooms have a member on this process (the shared total would cost a scan). */
  get size(): number {
    return this.#rooms.size;
  }

  /** The members of `room`, on any process. */
  async members(room: string): Promise<readonly string[]> {
    return pairs(strings(await this.#eval(HGETALL, this.#roomKey(room)))).map(([id]) => id);
  }

  /** Frees the seats of processes whose heartbeat expired; returns the rooms it touched. */
  async sweep(): Promise<string[]> {
    const touched: string[] = [];
    for (const pid of strings(await this.#eval(SMEMBERS, `${this.#prefix}procs`))) {
      if (pid === this.processId || Number(await this.#eval(EXISTS, this.#aliveKey(pid))) === 1) {
        continue;
      }
      this.#logger.warn(
        `[signaling] Redis: process ${pid} is gone (stopped, or stalled past its heartbeat); freeing its seats (a stalled one takes back those still free)`,
      );
      const index = this.#seatsKey(pid);
      for (const seat of strings(await this.#eval(SMEMBERS, index))) {
        const [room = '', member = ''] = seat.split('\n');
        const [freed = 0, ...hash] = list(
          await this.#eval(FREE_DEAD, this.#roomKey(room), member, pid),
        );
        await this.#eval(SREM, index, seat);
        if (Number(freed) !== 1) continue;
        touched.push(room);
        // Only members on live processes hear of it: the dead one's others go in this sweep.
        const remaining = pairs(strings(hash)).filter(([, holder]) => holder.split('|')[0] !== pid);
        const entry = this.#rooms.get(room);
        if (entry) this.affinity.apply(room, entry, entry.version, strings(hash));
        if (remaining.length > 0) {
          this.#options.onPeerGone?.(
            room,
            member,
            remaining.map(([id]) => id),
          );
        }
      }
      // It may have resumed meanwhile and re-registered: then it stays.
      if (Number(await this.#eval(EXISTS, this.#aliveKey(pid))) === 0) {
        await this.#eval(SREM, `${this.#prefix}procs`, pid);
      }
    }
    return touched;
  }

  /**
   * Stops the heartbeat and drops this process's alive key, so the survivors' next sweep frees
   * any seat still held at once rather than after the TTL.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#heartbeat.stop();
    this.affinity.releaseAll();
    await this.#eval(DEL, this.#aliveKey(this.processId));
  }

  /**
   * Registers this process, replays the leaves Redis missed, and takes back the seats of its
   * members: those nobody took meanwhile silently; the others are lost, and told so.
   */
  async #register(): Promise<void> {
    await this.#eval(SADD, `${this.#prefix}procs`, this.processId);
    for (const seat of this.#pendingLeaves) {
      const [room = '', member = ''] = seat.split('\n');
      await this.#eval(LEAVE, this.#roomKey(room), member);
      await this.#eval(SREM, this.#seatsKey(), seat);
      this.#pendingLeaves.delete(seat);
    }
    for (const [room, entry] of [...this.#rooms]) {
      if (entry.members.size === 0) continue;
      // Snapshot and send in one go: a leave after this is sent after it on the connection,
      // so a seat is never taken back for a member that left meanwhile.
      const members = [...entry.members];
      const { version } = entry;
      const indexed = members.map((member) =>
        this.#eval(SADD, this.#seatsKey(), this.#seat(room, member)),
      );
      const reclaimed = this.#eval(
        RECLAIM,
        this.#roomKey(room),
        this.processId,
        `${this.capacity}`,
        ...members,
      );
      // Awaited together: a timeout of the script while the index writes are pending must
      // reject here, not go unhandled (it ended the process under load).
      const [, answer] = await Promise.all([Promise.all(indexed), reclaimed]);
      const [count = 0, ...rest] = strings(answer);
      for (const member of rest.slice(0, Number(count))) {
        if (!entry.members.delete(member)) continue;
        this.#eval(SREM, this.#seatsKey(), this.#seat(room, member)).catch(
          this.#logLater('unindex a lost seat'),
        );
        this.#options.onSeatLost?.(room, member);
      }
      if (entry.members.size === 0) this.affinity.dropIfEmpty(room, entry);
      else this.affinity.apply(room, entry, version, rest.slice(Number(count)));
    }
  }

  #eval(script: string, key: string, ...args: string[]): Promise<unknown> {
    return this.#client.eval(script, { keys: [key], arguments: args });
  }

  #logLater(what: string): (error: unknown) => void {
    return (error) =>
      this.#closed || this.#logger.error(`[signaling] Redis: could not ${what}:`, error);
  }

  #seat(room: string, member: string): string {
    // Neither a room name nor a socket id may hold a newline.
    return `${room}\n${member}`;
  }

  #roomKey(room: string): string {
    return `${this.#prefix}room:{${room}}`;
  }

  #aliveKey(pid: string): string {
    return `${this.#prefix}proc:{${pid}}:alive`;
  }

  #seatsKey(pid = this.processId): string {
    return `${this.#prefix}proc:{${pid}}:seats`;
  }
}
