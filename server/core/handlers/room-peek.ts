import type { RoomPeek } from '../../protocol/index.ts';
import { refuse } from '../context.ts';
import type { EventHandler } from '../guard.ts';
import { namesIn } from '../names.ts';
import { check, RoomNameSchema } from '../validation.ts';

/**
 * `room:peek` (our own): what a join screen may show before asking for a seat: how many sit in
 * the room and their names, or only that it is locked (who sits in a locked room is for those
 * with its PIN). When tokens are required, only a token for that room may look. Answered with
 * `room:peek` to the asker alone; limited with the joins.
 */
export const roomPeek: EventHandler = async (context, socket, value) => {
  const name = check(RoomNameSchema, value);
  if (!name.ok) {
    refuse(context, socket, 'room:peek', 'invalid-room', `${name.reason}; pick another name`);
    return;
  }
  const room = name.value;
  const { rooms, access } = context;
  if (access.tokensRequired && socket.data.grant?.room !== room) {
    refuse(
      context,
      socket,
      'room:peek',
      'token-refused',
      'this server shows a room only to a connection with a room token for it',
    );
    return;
  }
  const capacity = rooms.capacity;
  if (await rooms.locked?.(room)) {
    socket.emit('room:peek', { room, capacity, locked: true });
    return;
  }
  const members = await rooms.members(room);
  const names = members.length === 0 ? new Map<string, string>() : await namesIn(context, room);
  const peek: RoomPeek = {
    room,
    capacity,
    locked: false,
    members: members.length,
    names: members.flatMap((id) => names.get(id) ?? []),
  };
  socket.emit('room:peek', peek);
};
