import { parseDisplayName } from '../../protocol/display-name.ts';
import { clientAddress } from '../connections.ts';
import { logTo, refuse, type SignalingContext } from '../context.ts';
import type { EventHandler } from '../guard.ts';
import { seat } from '../seating.ts';
import { after, type JoinKey, type MaybePromise } from '../store.ts';
import type { SignalingSocket } from '../types.ts';
import { check, JoinOptionsSchema, RoomNameSchema } from '../validation.ts';

/**
 * `create or join`: checks the room name, the options (a PIN, a display name) and the room token if tokens are
 * required, then asks the store for a seat (docs/protocol.md#joining).
 */
export const createOrJoin: EventHandler = (context, socket, value, rawOptions) => {
  const name = check(RoomNameSchema, value);
  if (!name.ok) {
    refuse(context, socket, 'create or join', 'invalid-room', `${name.reason}; pick another name`);
    return;
  }
  const options = check(JoinOptionsSchema, rawOptions);
  if (!options.ok) {
    refuse(context, socket, 'create or join', 'invalid-pin', options.reason);
    return;
  }
  const given = options.value?.name;
  const displayName = given === undefined ? undefined : parseDisplayName(given);
  if (displayName && !displayName.ok) {
    refuse(context, socket, 'create or join', 'invalid-name', displayName.reason);
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
  // With a shared store the token is spent there first (every process refuses it after).
  const pending = after(joinKey(context, socket, room, options.value ?? {}), (key) => {
    if (key === undefined) return;
    data.key = key;
    data.name = displayName?.name;
    return seat(context, socket, room);
  });
  if (!(pending instanceof Promise)) return;
  data.joining = true;
  return pending
    .catch((error: unknown) => {
      // The detail is for the operator's log; the client hears only that the store is away.
      context.logger.error(`[signaling] a join of ${room} failed in the room store:`, error);
      const health = context.rooms.health?.();
      const reason = health && !health.ok ? health.reason : 'it did not answer';
      refuse(context, socket, 'create or join', 'unavailable', unavailable(reason));
    })
    .finally(() => {
      data.joining = false;
    });
};

/**
 * The key this request presents, once the token (if required) is spent and the PIN may be
 * tried; undefined when the request was refused.
 */
function joinKey(
  context: SignalingContext,
  socket: SignalingSocket,
  room: string,
  options: { pin?: string; create?: boolean },
): MaybePromise<JoinKey | undefined> {
  const { access } = context;
  const locking = options.pin !== undefined || options.create === false;
  if (locking && !context.rooms.locks) {
    refuse(
      context,
      socket,
      'create or join',
      'disabled',
      'this server keeps rooms in a store without PIN locks (Redis); join without a PIN',
    );
    return undefined;
  }
  if (options.pin !== undefined && !access.mayGuess(room, clientAddress(socket.conn))) {
    refuse(
      context,
      socket,
      'create or join',
      'rate-limited',
      'too many wrong PINs for this room or from this address; wait a minute and retry',
    );
    return undefined;
  }
  const key: JoinKey = {
    ...(options.pin !== undefined && { lock: access.lock(room, options.pin) }),
    ...(options.create === false && { create: false }),
  };
  if (!access.tokensRequired) return key;
  return after(access.spend(socket.data.grant, room), (problem) => {
    if (problem === undefined) return key;
    refuse(context, socket, 'create or join', 'token-refused', problem);
    return undefined;
  });
}

/**
 * The refusal when the room store cannot decide (Redis away): `reason` is the store's own
 * short word for it ("Redis unreachable"), never an error's text.
 */
function unavailable(reason: string): string {
  return `the room store cannot seat anyone right now (${reason}); try again in a moment`;
}
