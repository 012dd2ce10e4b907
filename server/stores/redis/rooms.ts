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
import type { SeatClient } from './commands.ts';
import { FREE_DEAD, HOLD, JOIN, LEAVE, RECLAIM, RESUME } from './scripts.ts';
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

/** What this process knows of a room in which it seats members. */
interface LocalRoom {
  /** Its members seated on this process. */
  members: Set<string>;
  /** Every member of the room is on this process, as last read from Redis. */
  local: boolean;
  /** Bumped by each sign that the room changed elsewhere: an older read must not set `local`. */
  version: number;
  refreshing: boolean;
}

const GET_SET_ALIVE = `
local was = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
if was then return 1 end
return 0
`;
const SADD = `return redis.call('SADD', KEYS[1], ARGV[1])`;
const SREM = `return redis.call('SREM', KEYS[1], ARGV[1])`;
const SMEMBERS = `return redis.call('SMEMBERS', KEYS[1])`;
const EXISTS = `return redis.call('EXISTS', KEYS[1])`;
const DEL = `return redis.call('DEL', KEYS[1])`;
const HGETALL = `return redis.call('HGETALL', KEYS[1])`;

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
  readonly #rooms = new Map<string, LocalRoom>();
  /** Rooms whose channel this process is subscribed to, as the adapter reports. */
  readonly #subscriptions = new Set<string>();
  /** The last publish of an event (not a relay) to each room, until Redis answers it. */
  readonly #publishing = new Map<string, Promise<void>>();
  /** Joins waiting for their room's subscription ({@link listening}), by room. */
  readonly #listeners = new Map<string, { resolves: (() => void)[]; timer: NodeJS.Timeout }>();
  /** Leaves that failed (Redis down): replayed when Redis is back, so no seat stays behind. */
  readonly #pendingLeaves = new Set<string>();
  #health: StoreHealth = { ok: false, reason: 'not started' };
  #timer: NodeJS.Timeout | undefined;
  #beating = false;
  #maintaining = false;
  /** Redis forgot this process (a stall past the TTL, a Redis restart): register again. */
  #forgotten = true;
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
    if (this.#ttlMs <= this.#heartbeatMs) {
      throw new RangeError('[signaling] RedisRooms ttlMs must be longer than heartbeatMs');
    }
  }

  /** Registers this process as alive, and keeps it so until {@link close}. */
  async start(): Promise<void> {
    await this.#tick();
    if (!this.#health.ok) throw new Error(`[signaling] Redis: ${this.#health.reason}`);
    this.#timer = setInterval(() => void this.#tick(), this.#heartbeatMs);
    this.#timer.unref();
  }

  /** Ok while the heartbeat reaches Redis; else why not (joins are refused meanwhile). */
  health(): StoreHealth {
    return this.#health;
  }

  /** Marks Redis unreachable at once (a client error), before the next heartbeat notices. */
  unreachable(reason: string): void {
    if (this.#timer !== undefined) this.#health = { ok: false, reason };
  }

  /** Every member of `room` sits on this process, as far as it knows for sure. */
  isLocal(room: string): boolean {
    return this.#rooms.get(room)?.local ?? false;
  }

  /**
   * Another process broadcast to `room` (the adapter saw it): a member may have joined there.
   * Relays go through Redis until a fresh read says otherwise. Only a departure (`bye`, which
   * every way of leaving sends) can make the room all local again, so only then is it read
   * again: a join elsewhere sends four events, and reading the room after each cost a round
   * trip per event at a thousand joins a second.
   */
  changedElsewhere(room: string, event: unknown): void {
    const entry = this.#rooms.get(room);
    if (!entry) return;
    entry.version++;
    entry.local = false;
    if (event === 'bye') this.#refresh(room, entry);
  }

  /**
   * This process now receives `room`'s broadcasts (the adapter's subscription to its channel
   * is in place): a read from now on may find the room all local, since any later join
   * elsewhere will be heard.
   */
  subscribed(room: string): void {
    const already = this.#subscriptions.has(room);
    this.#subscriptions.add(room);
    this.#heard(room);
    const entry = this.#rooms.get(room);
    if (!entry || already) return;
    entry.version++;
    this.#refresh(room, entry);
  }

  /**
   * This process published an event to `room` (a `join`, a `bye`): {@link listening} waits for
   * Redis to take it, so whoever is told next cannot overtake it.
   */
  publishing(room: string, sent: Promise<unknown>): void {
    const settled = sent.then(noop, noop);
    this.#publishing.set(room, settled);
    void settled.then(() => {
      if (this.#publishing.get(room) === settled) this.#publishing.delete(room);
    });
  }

  /**
   * Resolves once this process receives `room`'s broadcasts (see {@link subscribed}) and Redis
   * took the last event this process published to it. So a member is told its seat only when a
   * peer's relay cannot go unheard here, and when every other process has been sent the `join`
   * that tells it the room is no longer all its own (else a peer there, told the news some
   * other way, could relay to this member as if alone). A subscription that does not come
   * within the command timeout is waited for no longer (the adapter logs its error), so a join
   * is never stuck.
   */
  listening(room: string): Promise<void> | undefined {
    const published = this.#publishing.get(room);
    const subscribed = this.#subscription(room);
    if (subscribed === undefined) return published;
    return published === undefined ? subscribed : Promise.all([subscribed, published]).then(noop);
  }

  #subscription(room: string): Promise<void> | undefined {
    if (this.#subscriptions.has(room)) return undefined;
    return new Promise((resolve) => {
      const waiting = this.#listeners.get(room);
      if (waiting) {
        waiting.resolves.push(resolve);
        return;
      }
      const timer = setTimeout(() => {
        this.#logger.warn(`[signaling] Redis: not subscribed to room ${room} yet; seating anyway`);
        this.#heard(room);
      }, this.#options.subscribeTimeoutMs ?? 5000);
      this.#listeners.set(room, { resolves: [resolve], timer });
    });
  }

  #heard(room: string): void {
    const waiting = this.#listeners.get(room);
    if (!waiting) return;
    this.#listeners.delete(room);
    clearTimeout(waiting.timer);
    for (const resolve of waiting.resolves) resolve();
  }

  /** This process no longer receives `room`'s broadcasts (no member of it here any more). */
  unsubscribed(room: string): void {
    this.#subscriptions.delete(room);
    const entry = this.#rooms.get(room);
    if (entry) entry.local = false;
  }

  /** Gives `member` a seat in `room` if one is free (or held for a dropped member), atomically. */
  async join(room: string, member: string): Promise<JoinOutcome> {
    const entry = this.#entry(room);
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
      this.#dropIfEmpty(room, entry);
      throw error;
    }
    const [kind = 'full', replaced = '', ...hash] = reply;
    if (kind === 'full') {
      this.#dropIfEmpty(room, entry);
      this.#eval(SREM, this.#seatsKey(), seat).catch(this.#logLater('unindex a refused seat'));
      return { kind: 'full' };
    }
    entry.members.add(member);
    this.#apply(room, entry, version, hash);
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
    if (entry && entry.members.size > 0) this.#apply(room, entry, version, hash);
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
    const entry = this.#entry(room);
    const { version } = entry;
    await this.#eval(SADD, this.#seatsKey(), this.#seat(room, member));
    const [kept = 0, ...hash] = list(
      await this.#eval(RESUME, this.#roomKey(room), member, this.processId),
    );
    if (Number(kept) !== 1) {
      this.#dropIfEmpty(room, entry);
      return false;
    }
    entry.members.add(member);
    this.#apply(room, entry, version, strings(hash));
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
        if (entry) this.#apply(room, entry, entry.version, strings(hash));
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
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#closed = true;
    this.#health = { ok: false, reason: 'closed' };
    for (const room of [...this.#listeners.keys()]) this.#heard(room);
    await this.#eval(DEL, this.#aliveKey(this.processId));
  }

  /**
   * One heartbeat: stay alive, then re-register if Redis forgot this process, and sweep the
   * dead. The beat never waits for the other two: a long re-registration or sweep (thousands of
   * seats) must not stop the beats, or the others would sweep this process in turn.
   */
  async #tick(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      const key = this.#aliveKey(this.processId);
      const known = await this.#heartbeatClient.eval(GET_SET_ALIVE, {
        keys: [key],
        arguments: [`${this.#ttlMs}`],
      });
      if (Number(known) !== 1 && !this.#forgotten && this.#timer !== undefined) {
        this.#logger.warn(
          '[signaling] Redis: this process missed its heartbeat (stalled?) and may have been swept; taking its seats back',
        );
      }
      if (Number(known) !== 1) this.#forgotten = true;
    } catch (error) {
      this.#unhealthy(error);
      return;
    } finally {
      this.#beating = false;
    }
    await this.#maintain();
  }

  /** Re-registers when needed and sweeps the dead; one at a time. */
  async #maintain(): Promise<void> {
    if (this.#maintaining) return;
    this.#maintaining = true;
    try {
      if (this.#forgotten || !this.#health.ok) {
        const wasDown = !this.#health.ok && this.#timer !== undefined;
        // Cleared first: a beat that finds this process forgotten during the registration
        // (swept meanwhile) sets it again, for one more.
        this.#forgotten = false;
        try {
          await this.#register();
        } catch (error) {
          this.#forgotten = true;
          throw error;
        }
        if (wasDown) {
          this.#logger.warn(
            '[signaling] Redis: reachable again; this process re-registered its seats',
          );
        }
      }
      this.#health = { ok: true };
      await this.sweep();
    } catch (error) {
      this.#unhealthy(error);
    } finally {
      this.#maintaining = false;
    }
  }

  #unhealthy(error: unknown): void {
    if (this.#closed) return;
    if (this.#health.ok) {
      this.#logger.error(
        '[signaling] Redis heartbeat failed; joins are refused until it is back. Check that Redis is up:',
        error,
      );
    }
    // The error's text (an address, a port) stays in the log: `/healthz` is not the place.
    this.#health = { ok: false, reason: 'Redis unreachable' };
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
      if (entry.members.size === 0) this.#dropIfEmpty(room, entry);
      else this.#apply(room, entry, version, rest.slice(Number(count)));
    }
  }

  #entry(room: string): LocalRoom {
    let entry = this.#rooms.get(room);
    if (!entry) {
      entry = { members: new Set(), local: false, version: 0, refreshing: false };
      this.#rooms.set(room, entry);
    }
    return entry;
  }

  #dropIfEmpty(room: string, entry: LocalRoom): void {
    if (entry.members.size === 0 && this.#rooms.get(room) === entry) this.#rooms.delete(room);
  }

  /**
   * Sets `local` from a read of the room's hash, unless the room changed since `version`. Not
   * before this process receives the room's broadcasts: until then a join elsewhere could go
   * unheard.
   */
  #apply(room: string, entry: LocalRoom, version: number, hash: readonly string[]): void {
    if (entry.version !== version) return;
    entry.local =
      this.#subscriptions.has(room) &&
      pairs(hash).every(([, holder]) => holder.split('|')[0] === this.processId);
  }

  #refresh(room: string, entry: LocalRoom): void {
    if (entry.refreshing) return;
    entry.refreshing = true;
    const { version } = entry;
    this.#eval(HGETALL, this.#roomKey(room))
      .then((hash) => {
        entry.refreshing = false;
        this.#apply(room, entry, version, strings(hash));
        // Changed again while reading: read once more, or it stays remote until the next join.
        if (entry.version !== version && this.#rooms.get(room) === entry) {
          this.#refresh(room, entry);
        }
      })
      .catch((error: unknown) => {
        entry.refreshing = false;
        this.#logLater(`read room ${room}`)(error);
      });
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

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): string[] {
  return list(value).map(String);
}

/** `[field, value]` pairs of a flat HGETALL-style reply. */
function pairs(flat: readonly string[]): [string, string][] {
  const result: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    result.push([flat[i] as string, flat[i + 1] as string]);
  return result;
}

function noop(): void {}
