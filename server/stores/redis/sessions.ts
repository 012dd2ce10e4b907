import type { Namespace, ServerOptions } from 'socket.io';
import type { Session } from 'socket.io-adapter';
import { type ForgetsSessions, privateSessionId } from '../../core/session-adapter.ts';
import type { ServerSocketData, SignalingLogger } from '../../core/types.ts';
import { ROOM_PREFIX } from '../../protocol/index.ts';
import type { SeatClient } from './commands.ts';

/** What Socket.IO hands an adapter to keep while a connection is away. */
type SessionToPersist = Omit<Session, 'missedPackets'>;

/** The parts of the sharded adapter that keeping sessions in Redis replaces. */
export interface SessionInternals {
  nsp: Namespace;
  persistSession(session: SessionToPersist): void;
  restoreSession(pid: string, offset: string): Promise<Session | null>;
  addAll(id: string, rooms: Set<string>): Promise<void> | void;
  del(id: string, room: string): Promise<void> | void;
}

/** Where the sessions are kept: the store's connection, its key prefix, its logger. */
export interface SessionOptions {
  client: SeatClient;
  prefix: string;
  logger: SignalingLogger;
}

const SET_PX = `return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])`;
const GETDEL = `return redis.call('GETDEL', KEYS[1])`;
const DEL = `return redis.call('DEL', KEYS[1])`;

/**
 * How long a seated member's session stays restorable while it is connected. A process killed
 * outright (SIGKILL, a lost machine) never gets to keep its sessions at disconnect: these are
 * what its members recover from on another process. Past it, a reconnect after such a death
 * joins afresh, once the dead process's seats are swept.
 */
const STANDING_SESSION_MS = 24 * 60 * 60 * 1000;

/**
 * Sessions for recovery in Redis, so any process can restore one: kept when a seated member
 * takes its seat (for a process that dies without a disconnect), again when it drops (for the
 * recovery window), and dropped when it leaves its room by any path: `bye` (a leave of its
 * room), or a disconnect that holds no seat (`forgetSession`, called by the core once the
 * socket is gone from the namespace).
 */
export function keepSessionsInRedis(internals: SessionInternals, options: SessionOptions): void {
  const server = internals.nsp.server as unknown as { opts: ServerOptions };
  const windowMs = server.opts.connectionStateRecovery?.maxDisconnectionDuration;
  if (!windowMs) return;
  const key = (pid: string) => `${options.prefix}session:{${pid}}`;
  const drop = (pid: string) =>
    options.client
      .eval(DEL, { keys: [key(pid)], arguments: [] })
      .catch((error: unknown) =>
        options.logger.error('[signaling] Redis: could not drop a session:', error),
      );
  const keep = (session: SessionToPersist, ttlMs: number) => {
    const kept = { sid: session.sid, pid: session.pid, rooms: session.rooms, data: session.data };
    options.client
      .eval(SET_PX, { keys: [key(session.pid)], arguments: [JSON.stringify(kept), `${ttlMs}`] })
      .catch((error: unknown) =>
        options.logger.error('[signaling] Redis: could not keep a session for recovery:', error),
      );
  };
  // A socket with no seat has nothing to recover (as in HeldSessionAdapter).
  internals.persistSession = (session) => {
    const data = keptData(session.data);
    if (data.room !== undefined) keep({ ...session, data }, windowMs);
  };
  const seated = (id: string, room: string) => {
    const socket = internals.nsp.sockets.get(id);
    const pid = socket && privateSessionId(socket);
    if (!socket || pid === undefined || !room.startsWith(ROOM_PREFIX)) return undefined;
    return { socket, pid };
  };
  const addAll = internals.addAll.bind(internals);
  internals.addAll = (id, rooms) => {
    for (const room of rooms) {
      const found = seated(id, room);
      if (found === undefined) continue;
      const data = { ...keptData(found.socket.data), room: room.slice(ROOM_PREFIX.length) };
      keep({ sid: id, pid: found.pid, rooms: [id, room], data }, STANDING_SESSION_MS);
    }
    return addAll(id, rooms);
  };
  const del = internals.del.bind(internals);
  internals.del = (id, room) => {
    // A `bye` (the socket is still here); a disconnect goes through forgetSession instead.
    const found = seated(id, room);
    if (found !== undefined) void drop(found.pid);
    return del(id, room);
  };
  (internals as unknown as ForgetsSessions).forgetSession = (socket) => {
    const pid = privateSessionId(socket);
    if (pid !== undefined) void drop(pid);
  };
  internals.restoreSession = (pid) => restoreSession(internals, options, key(pid));
}

/**
 * What of a socket's data a session keeps: its seat, the key and the token grant that opened
 * it, and its token buckets (a recovery carries them over, it does not refill them).
 */
function keptData(data: unknown): Partial<ServerSocketData> {
  const { room, key, grant, buckets } = (data ?? {}) as Partial<ServerSocketData>;
  return { room, key, grant, buckets };
}

/** Takes the session kept under `key` out of Redis, for a socket recovering here. */
async function restoreSession(
  internals: SessionInternals,
  options: SessionOptions,
  key: string,
): Promise<Session | null> {
  const raw = await options.client
    .eval(GETDEL, { keys: [key], arguments: [] })
    .catch((error: unknown) => {
      // A fresh session then: the client asks for its seat again, like a reloaded tab.
      options.logger.error('[signaling] Redis: could not restore a session:', error);
      return null;
    });
  if (typeof raw !== 'string') return null;
  const session = JSON.parse(raw) as SessionToPersist;
  // Its connection is still here (a reconnect faster than the old transport's timeout): two
  // sockets of one id cannot be, so this one starts afresh, as with Socket.IO's own adapter.
  if (internals.nsp.sockets.has(session.sid)) return null;
  return { ...session, missedPackets: [] };
}
