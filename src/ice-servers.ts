import type { IceServer, SignalingError } from '../server/protocol/index.ts';
import type { SignalingClientSocket } from './signaling-types.ts';

/** How long an `ice:servers` request may go unanswered before the tab goes on without it. */
const ICE_ANSWER_MS = 5000;

/**
 * Gives `pc` new ICE servers (a renewed TURN credential) for its next gathering: an ICE
 * restart allocates its relays with them, while the relays it holds keep working (coturn
 * checks a credential's expiry when a relay is allocated, not when it is refreshed). Returns
 * the browser's refusal as text, or null.
 */
export function useIceServers(pc: RTCPeerConnection, servers: IceServer[]): string | null {
  if (pc.signalingState === 'closed') return null;
  try {
    pc.setConfiguration({ ...pc.getConfiguration(), iceServers: servers });
    return null;
  } catch (error) {
    return String(error);
  }
}

/**
 * Asks the server for fresh ICE servers (`ice:servers`); resolves once they came (the
 * signaling controller's own listener has taken them by then), on a refusal, or after 5 s;
 * at once while `socket` is not connected. Never rejects.
 */
export function askIceServers(socket: SignalingClientSocket | undefined): Promise<void> {
  if (!socket?.connected) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      socket.off('ice:servers', done);
      socket.off('signaling:error', refused);
      resolve();
    };
    const refused = (error: SignalingError) => {
      if (error.event === 'ice:servers') done();
    };
    const timer = setTimeout(done, ICE_ANSWER_MS);
    socket.on('ice:servers', done);
    socket.on('signaling:error', refused);
    socket.emit('ice:servers');
  });
}

/** How soon a renewal that got no answer is tried again. */
const RETRY_MS = 5000;

/**
 * Keeps a seated tab's TURN credential fresh: told the lifetime of each list that arrives, it
 * asks for the next at half of it, so the one at hand is always good for half a lifetime more;
 * a renewal that gets no answer (the socket is away, the address is past its share) is tried
 * again a little later while the tab is seated. The lifetime is relative (seconds from the
 * server), so the tab's clock need not agree with the server's.
 */
export class IceRenewal {
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When (this tab's clock) the credential passes half its lifetime; 0 without one. */
  #freshUntil = 0;
  #renewals = 0;

  /**
   * @param ask asks the server for a fresh list; resolves on its answer, a refusal or a timeout
   * @param seated whether the tab still holds a seat (a renewal is for a seat only)
   */
  constructor(
    readonly ask: () => Promise<void>,
    readonly seated: () => boolean,
  ) {}

  /** Whether a credential is being kept fresh. */
  get active(): boolean {
    return this.#freshUntil > 0;
  }

  /** Whether the credential at hand is past half its lifetime (false without one). */
  get stale(): boolean {
    return this.#freshUntil > 0 && Date.now() >= this.#freshUntil;
  }

  /**
   * A list arrived (`ttl`: its TURN credential's lifetime, undefined without one): keeps it
   * fresh, and says what the log shows of it, URLs only: the credential has no place on screen.
   */
  take(servers: IceServer[], ttl: number | undefined): string {
    const renewed = this.active && ttl !== undefined;
    this.received(ttl);
    if (renewed) return `TURN credential renewed (#${++this.#renewals}); good for ${ttl} s`;
    const urls = servers.flatMap((server) => server.urls);
    return `ICE servers from the server: ${urls.length > 0 ? urls.join(', ') : 'none (host candidates only)'}`;
  }

  /** A list arrived whose TURN credential is good for `ttl` seconds (undefined: none). */
  received(ttl: number | undefined): void {
    this.stop();
    if (ttl === undefined) return;
    const half = (ttl * 1000) / 2;
    this.#freshUntil = Date.now() + half;
    const renew = () => {
      if (!this.seated()) return;
      const asked = Date.now();
      void this.ask().then(() => {
        // An answer called received(); none, or one without TURN: try again soon.
        if (this.#freshUntil <= asked) this.#timer = setTimeout(renew, RETRY_MS);
      });
    };
    this.#timer = setTimeout(renew, half);
  }

  /** Stops renewing (the tab left its room, or went away). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#freshUntil = 0;
  }
}
