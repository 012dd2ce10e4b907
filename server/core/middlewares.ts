import { clientAddress } from './connections.ts';
import type { SignalingContext } from './context.ts';
import type { SignalingCounters } from './ports.ts';
import type { RoomAccess } from './room-access.ts';
import type { SignalingSocket } from './types.ts';

type Next = (error?: Error) => void;

/**
 * The namespace's middlewares: the connection count, then the room token if required. Every
 * way into a seat passes them: a new socket, and a socket recovering its session on this
 * process or on another (recovery does not skip them: see `createServer` at the edge).
 */
export function useMiddlewares({ io, gate, access, metrics }: SignalingContext): void {
  io.use((socket, next) => {
    const verdict = gate.checkConnection(clientAddress(socket.conn));
    if (verdict.ok) return next();
    metrics.reject(verdict.reason);
    // socket.io-client shows this as `connect_error` with `data.code`, and does not retry.
    next(Object.assign(new Error(verdict.message), { data: { code: verdict.reason } }));
  });
  if (access.tokensRequired) io.use(tokenMiddleware(access, metrics));
}

/**
 * Verifies the room token of every handshake when tokens are required; the grant rides on
 * the socket's data until a join spends it. Refused, socket.io-client gets `connect_error`
 * with `data.code` `token-refused` and does not retry by itself.
 */
function tokenMiddleware(access: RoomAccess, metrics: SignalingCounters) {
  return (socket: SignalingSocket, next: Next) => {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    recoveredGrant(access, socket, auth?.token).then(
      (grant) => {
        socket.data.grant = grant;
        next();
      },
      (error: Error) => {
        metrics.reject('token-refused');
        next(
          Object.assign(new Error(`[signaling] ${error.message}`), {
            data: { code: 'token-refused' },
          }),
        );
      },
    );
  };
}

/**
 * The grant of `token` for `socket`. A socket that recovers a seat must present a valid token
 * for that seat's room: the one that seated it (already spent, by this member), or a new one,
 * spent now. Without this, a session's private id alone would take a seat a token guards.
 */
async function recoveredGrant(access: RoomAccess, socket: SignalingSocket, token: unknown) {
  const room = socket.recovered ? socket.data.room : undefined;
  const own = room === undefined ? undefined : socket.data.grant;
  const grant = await access.verify(token, own);
  if (room === undefined) return grant;
  if (grant.room !== room) throw new Error('the room token is for another room');
  if (grant.jti !== own?.jti) {
    const problem = await access.spend(grant, room);
    if (problem !== undefined) throw new Error(problem);
  }
  return grant;
}
