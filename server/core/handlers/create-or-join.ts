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
  const health = context.rooms.health?.();
  if (health && !health.ok) {
    refuse(context, socket, 'create or join', 'unavailable', unavailable(health.reason));
    return;
  }
  const pending = seat(context, socket, room);
  if (!(pending instanceof Promise)) return;
  data.joining = true;
  return pending
    .catch((error: unknown) => {
      context.logger.error(`[signaling] a join of ${room} failed in the room store:`, error);
      const reason = error instanceof Error ? error.message : String(error);
      refuse(context, socket, 'create or join', 'unavailable', unavailable(reason));
    })
    .finally(() => {
      data.joining = false;
    });
};

function unavailable(reason: string): string {
  return `the room store cannot seat anyone right now (${reason}); try again in a moment`;
}
