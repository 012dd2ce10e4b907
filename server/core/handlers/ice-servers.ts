import { clientAddress } from '../connections.ts';
import { refuse, type SignalingContext } from '../context.ts';
import type { EventHandler } from '../guard.ts';
import type { SignalingSocket } from '../types.ts';

/**
 * `ice:servers` (our own): a seated member asks for fresh ICE servers, before an ICE restart or
 * before its TURN credential runs out. Only a seat earns a credential.
 */
export const iceServers: EventHandler = (context, socket) => {
  const room = socket.data.room;
  if (room === undefined) {
    refuse(
      context,
      socket,
      'ice:servers',
      'not-in-room',
      'ICE servers are handed to members of a room; join one first',
    );
    return;
  }
  handIceServers(context, socket, room);
};

/**
 * Sends `socket`, seated in `room`, its ICE servers with a TURN credential of its own; past
 * its address's share of credentials, the STUN part only and a `rate-limited` refusal that
 * says so (the seat itself stands).
 */
export function handIceServers(
  context: SignalingContext,
  socket: SignalingSocket,
  room: string,
): void {
  const address = clientAddress(socket.conn);
  const { servers, ttl, limited } = context.ice.issue(address, room, socket.id);
  if (ttl === undefined) socket.emit('ice:servers', servers);
  else socket.emit('ice:servers', servers, ttl);
  if (limited) {
    refuse(
      context,
      socket,
      'ice:servers',
      'rate-limited',
      'too many TURN credentials for this address; the call has no relay for now: ask again in a minute',
    );
  }
}
