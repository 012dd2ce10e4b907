import { ROOM_PREFIX } from '../protocol/index.ts';
import type { SignalingContext } from './context.ts';

/**
 * The display names of `room`'s members who gave one, by socket id. Asked of the adapter, so
 * with a shared store the members on other processes answer too (their `socket.data`).
 */
export async function namesIn(
  context: SignalingContext,
  room: string,
): Promise<Map<string, string>> {
  const sockets = await context.io.in(ROOM_PREFIX + room).fetchSockets();
  const names = new Map<string, string>();
  for (const socket of sockets) {
    if (socket.data.name !== undefined) names.set(socket.id, socket.data.name);
  }
  return names;
}

/**
 * Tells `room` the display names of its members (`room:names`), after a member who gave a name
 * took a seat. Rooms where nobody gave one (codelab pages) hear nothing new.
 */
export async function tellNames(context: SignalingContext, room: string): Promise<void> {
  const names = await namesIn(context, room);
  if (names.size === 0 || context.lifecycle.closed) return;
  context.io.to(ROOM_PREFIX + room).emit('room:names', { room, names: Object.fromEntries(names) });
}
