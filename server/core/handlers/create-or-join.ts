import { logTo, refuse } from '../context.ts';
import type { EventHandler } from '../guard.ts';
import { seat } from '../seating.ts';
import { check, RoomNameSchema } from '../validation.ts';

/** `create or join`: checks the room name and asks the store for a seat (PROTOCOL.md). */
export const createOrJoin: EventHandler = (context, socket, value) => {
  const name = check(RoomNameSchema, value);
  if (!name.ok) {
    refuse(context, socket, 'create or join', 'invalid-room', `${name.reason}; pick another name`);
    return;
  }
  const room = name.value;
  logTo(context, socket, `Received request to create or join room ${room}`);
  const { data } = socket;
  if (data.room !== undefined || data.joining) {
    refuse(
      context,
      socket,
      'create or join',
      'already-in-room',
      data.room === undefined
        ? 'this tab is still waiting for its answer to an earlier join; wait for it'
        : `this tab already has a seat in room "${data.room}"; send "bye" before joining another`,
    );
    return;
  }
  const pending = seat(context, socket, room);
  if (!(pending instanceof Promise)) return;
  data.joining = true;
  return pending.finally(() => {
    data.joining = false;
  });
};
