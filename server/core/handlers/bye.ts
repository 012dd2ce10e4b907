import { logTo, refuse, settle } from '../context.ts';
import type { EventHandler } from '../guard.ts';
import { leave } from '../seating.ts';
import { ByeArgumentSchema, check } from '../validation.ts';

/** `bye`: frees the sender's seat and tells the rest of its room (the room argument is optional). */
export const bye: EventHandler = (context, socket, value) => {
  const named = check(ByeArgumentSchema, value);
  if (!named.ok) {
    refuse(
      context,
      socket,
      'bye',
      'invalid-room',
      `${named.reason}; send "bye" alone or with your room`,
    );
    return;
  }
  const room = socket.data.room;
  if (room === undefined) {
    refuse(context, socket, 'bye', 'not-in-room', 'this tab has no seat to leave');
    return;
  }
  if (named.value !== undefined && named.value !== room) {
    refuse(
      context,
      socket,
      'bye',
      'not-in-room',
      `this tab sits in room "${room}", not the one named`,
    );
    return;
  }
  settle(context, leave(context, socket), `leave of ${room}`);
  logTo(context, socket, `Client ID ${socket.id} left room ${room}`);
};
