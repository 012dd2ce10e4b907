import { ROOM_PREFIX } from '../protocol/index.ts';
import { clientAddress } from './connections.ts';
import { logTo, refuse, type SignalingContext, settle } from './context.ts';
import { type Audience, tellCount, tellDeparture, tellMembers } from './departure.ts';
import { handIceServers } from './handlers/ice-servers.ts';
import { tellNames } from './names.ts';
import { LOCKED_MESSAGE } from './room-access.ts';
import { after, type JoinOutcome, type MaybePromise } from './store.ts';
import type { SignalingSocket } from './types.ts';

/**
 * Seats `socket` in `room` and tells the members, per the codelab's sequence. A seat held for
 * a dropped connection gives way when the room is otherwise full: the likeliest newcomer is
 * that very tab reloaded (a reload drops the connection as a network failure does). The socket
 * presents the key of its last join (`socket.data.key`: a PIN's hash), so a recovered socket
 * asking again opens its locked room as it did the first time.
 */
export function seat(
  context: SignalingContext,
  socket: SignalingSocket,
  room: string,
): MaybePromise<void> {
  const { rooms, holds } = context;
  const key = socket.data.key;
  return after(rooms.join(room, socket.id, key), (first) => {
    const [stale] = first.kind === 'full' ? holds.heldIn(room) : [];
    if (stale === undefined) return place(context, socket, room, first);
    holds.release(stale);
    return after(free(context, stale, room), () =>
      after(rooms.join(room, socket.id, key), (outcome) => place(context, socket, room, outcome)),
    );
  });
}

/** Acts on the store's answer: seats the socket and tells the room, or says full. */
function place(
  context: SignalingContext,
  socket: SignalingSocket,
  room: string,
  outcome: JoinOutcome,
): MaybePromise<void> {
  const { io, metrics } = context;
  // The tab left while a shared store was deciding: hand the seat straight back.
  if (socket.disconnected) {
    const seated = outcome.kind === 'created' || outcome.kind === 'joined';
    return seated ? after(context.rooms.leave(room, socket.id), noop) : undefined;
  }
  const key = ROOM_PREFIX + room;
  if (outcome.kind === 'locked') {
    // The same answer whatever the reason (wrong PIN, none, or nothing to join), so it never
    // tells whether the room exists; only tries with a PIN count as guesses.
    if (socket.data.key?.lock !== undefined) {
      context.access.guessedWrong(room, clientAddress(socket.conn));
    }
    refuse(context, socket, 'create or join', 'room-locked', LOCKED_MESSAGE);
    return;
  }
  if (outcome.kind === 'full') return tellFull(context, socket, room);
  handIceServers(context, socket, room);
  if (outcome.kind === 'created') {
    logTo(context, socket, `Room ${room} now has 1 client(s)`);
    socket.join(key);
    socket.data.room = room;
    metrics.joins.inc();
    return whenListening(context, socket, room, () => {
      logTo(context, socket, `Client ID ${socket.id} created room ${room}`);
      socket.emit('created', room, socket.id);
      announce(context, io.to(key), room, [socket.id]);
      update(context, room, 1);
    });
  }
  if (outcome.replaced !== undefined) {
    // A shared store gave this tab a seat held for a dropped member, as seat() does here.
    context.holds.release(outcome.replaced);
    departed(context, room, outcome.replaced, outcome.others);
  }
  logTo(context, socket, `Room ${room} now has ${outcome.others.length + 1} client(s)`);
  logTo(context, socket, `Client ID ${socket.id} joined room ${room}`);
  // Not to the newcomer: through a shared store the broadcast reaches this process's sockets
  // once Redis answered, when the newcomer already sits in the room.
  io.to(key).except(socket.id).emit('join', room);
  socket.join(key);
  socket.data.room = room;
  metrics.joins.inc();
  return whenListening(context, socket, room, () => {
    const members = [...outcome.others, socket.id];
    const others = io.to(key).except(socket.id);
    // The newcomer hears its seat's news straight away, before its peers hear of it: they
    // relay to it as soon as they do (an offer), and through a shared store a broadcast
    // reaches its sender's own sockets only once Redis has answered, so an offer relayed via
    // another process could overtake the newcomer's list or `ready`, and be dropped.
    socket.emit('joined', room, socket.id);
    // Before `ready`, so a group client knows its peers (and the capacity) when it hears it.
    announce(context, socket, room, members);
    announce(context, others, room, members);
    socket.emit('ready');
    others.emit('ready');
    update(context, room, members.length);
    if (socket.data.name !== undefined) settle(context, tellNames(context, room), 'room names');
  });
}

/** Tells `socket` that `room` is full. */
function tellFull(context: SignalingContext, socket: SignalingSocket, room: string): void {
  logTo(context, socket, `Room ${room} is full`);
  context.metrics.full.inc();
  socket.emit('full', room);
  // `full` names the room only, and a tab that never sat there cannot know a capacity other
  // than two. Rooms of two keep exactly the codelab's answer.
  if (context.rooms.capacity > 2) {
    const capacity = context.rooms.capacity;
    socket.emit('room:update', { room, members: capacity, capacity });
  }
}

/**
 * Runs `tell` (the answer to a seated socket, and the news to its room) once a shared store says
 * the seat cannot be missed ({@link RoomStore.listening}): this process hears the room, and the
 * `join` it published is on its way to the others. Told earlier, a peer could relay into a gap
 * where one side does not know of the other yet, and the relay would go unheard. A socket gone
 * meanwhile is told nothing (its disconnect has freed the seat).
 */
function whenListening(
  context: SignalingContext,
  socket: SignalingSocket,
  room: string,
  tell: () => void,
): MaybePromise<void> {
  return after(context.rooms.listening?.(room), () => {
    if (socket.connected && socket.data.room === room) tell();
  });
}

/**
 * A socket came back through connection state recovery with its old id, rooms and data. If
 * its seat was held, it keeps it; if the seat was freed meanwhile (the window ended, or a
 * reloaded tab took it), it asks for one again like a new tab, so a room never holds more
 * members than its capacity.
 */
export function resume(context: SignalingContext, socket: SignalingSocket): MaybePromise<void> {
  const room = socket.data.room;
  if (room === undefined) return;
  const key = ROOM_PREFIX + room;
  const held = context.holds.release(socket.id) === room;
  // A shared store moves the seat here, wherever it was held: the session may have been kept
  // by another process.
  const kept = context.rooms.resume
    ? context.rooms.resume(room, socket.id)
    : after(context.rooms.members(room), (members) => held && members.includes(socket.id));
  return after(kept, (stillSeated) => {
    if (stillSeated) {
      // Recovered on another process, it may not hear the room yet: its peer, told, would
      // send an ICE restart at once.
      return whenListening(context, socket, room, () => {
        socket.to(key).emit('peer:reconnected', room);
        logTo(context, socket, `Client ID ${socket.id} is back in room ${room}`);
      });
    }
    socket.leave(key);
    socket.data.room = undefined;
    return seat(context, socket, room);
  });
}

/** Frees `member`'s seat in `room` and tells whoever remains that it left. */
export function free(context: SignalingContext, member: string, room: string): MaybePromise<void> {
  return departed(context, room, member, context.rooms.leave(room, member));
}

/**
 * Frees a held seat whose window ended and tells whoever remains; with a shared store, only if
 * the seat is still held here (not taken back on another process, nor by a reloaded tab).
 */
export function expire(
  context: SignalingContext,
  member: string,
  room: string,
): MaybePromise<void> {
  const { rooms } = context;
  if (!rooms.expire) return free(context, member, room);
  return after(rooms.expire(room, member), (remaining) =>
    remaining === undefined ? undefined : departed(context, room, member, remaining),
  );
}

/** Tells the room that `member` left it ({@link tellDeparture}, the one way). */
function departed(
  context: SignalingContext,
  room: string,
  member: string,
  remaining: MaybePromise<readonly string[]>,
): MaybePromise<void> {
  const { io, rooms, lifecycle } = context;
  return tellDeparture(
    io.to(ROOM_PREFIX + room),
    { room, member, capacity: rooms.capacity, remaining },
    // A shared store can answer after close(), when the adapter can no longer publish.
    () => !lifecycle.closed,
  );
}

/** Frees the socket's seat and tells whoever remains that it left. */
export function leave(context: SignalingContext, socket: SignalingSocket): MaybePromise<void> {
  const room = socket.data.room;
  if (room === undefined) return;
  socket.data.room = undefined;
  socket.leave(ROOM_PREFIX + room);
  return free(context, socket.id, room);
}

/** Tells `to` who sits in `room`, unless the server has closed. */
function announce(
  context: SignalingContext,
  to: Audience,
  room: string,
  members: readonly string[],
): void {
  if (!context.lifecycle.closed) tellMembers(to, room, members, context.rooms.capacity);
}

/** Tells the members of `room` how many seats are taken, after the codelab's own events. */
function update(context: SignalingContext, room: string, members: number): void {
  // A shared store can answer after close(), when the adapter can no longer publish.
  if (!context.lifecycle.closed) {
    tellCount(context.io.to(ROOM_PREFIX + room), room, members, context.rooms.capacity);
  }
}

/** Does nothing: the value a store's answer is mapped to when nobody needs it. */
export function noop(): void {}
