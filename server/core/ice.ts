import { createHmac } from 'node:crypto';
import type { IceServer } from '../protocol/index.ts';

/** The ICE servers the signaling hands to each client at join (see {@link iceServersFor}). */
export interface IceOptions {
  /**
   * STUN URLs, e.g. `stun:stun.example.org:3478`.
   * @default []
   */
  stunUrls?: readonly string[];
  /**
   * TURN URLs, e.g. `turn:turn.example.org:3478?transport=udp`. They need `turnSecret`.
   * @default []
   */
  turnUrls?: readonly string[];
  /** The TURN server's shared secret (coturn's `static-auth-secret`); it never leaves the server. */
  turnSecret?: string;
  /**
   * How long a TURN credential stays valid, in seconds. The TURN REST draft suggests a day: a
   * relayed call needs it valid for every allocation refresh, so it bounds a call's length.
   * @default 86400
   */
  turnTtl?: number;
}

/** A TURN username and password in the TURN REST scheme. */
export interface TurnCredential {
  /** `expiry:id`, the expiry in Unix seconds. */
  username: string;
  /** base64(HMAC-SHA1(secret, username)). */
  credential: string;
}

/** The default of {@link IceOptions.turnTtl}. */
export const DEFAULT_TURN_TTL = 86_400;

/**
 * A credential in the TURN REST scheme (draft-uberti-behave-turn-rest), which coturn checks
 * with `use-auth-secret`: anyone holding it may relay until `expiresAt`, and nobody can mint
 * another without the secret.
 */
export function turnCredential(secret: string, id: string, expiresAt: number): TurnCredential {
  const username = `${Math.floor(expiresAt)}:${id}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/**
 * The ICE server list for one client: the STUN URLs as they are, and the TURN URLs with a
 * credential of its own that expires `turnTtl` seconds from `now` (milliseconds).
 */
export function iceServersFor(options: IceOptions, id: string, now = Date.now()): IceServer[] {
  const { stunUrls = [], turnUrls = [], turnSecret, turnTtl = DEFAULT_TURN_TTL } = options;
  const servers: IceServer[] = [];
  if (stunUrls.length > 0) servers.push({ urls: [...stunUrls] });
  if (turnUrls.length > 0 && turnSecret) {
    servers.push({
      urls: [...turnUrls],
      ...turnCredential(turnSecret, id, now / 1000 + turnTtl),
    });
  }
  return servers;
}

/**
 * Checks ICE options once, at attach, so a mistake shows at start-up rather than as calls
 * that never connect. Throws with what to fix.
 */
export function checkIceOptions(options: IceOptions): void {
  const { stunUrls = [], turnUrls = [], turnSecret, turnTtl = DEFAULT_TURN_TTL } = options;
  for (const url of stunUrls) {
    if (!/^stuns?:/.test(url))
      throw new Error(`[signaling] STUN URL "${url}" must start with stun: or stuns:`);
  }
  for (const url of turnUrls) {
    if (!/^turns?:/.test(url))
      throw new Error(`[signaling] TURN URL "${url}" must start with turn: or turns:`);
  }
  // Browsers refuse a TURN server without credentials, so TURN URLs alone would break calls.
  if (turnUrls.length > 0 && !turnSecret)
    throw new Error('[signaling] TURN URLs need a TURN shared secret (TURN_SECRET / turnSecret)');
  if (!Number.isInteger(turnTtl) || turnTtl < 60)
    throw new Error(
      `[signaling] the TURN credential lifetime must be whole seconds >= 60, got ${turnTtl}`,
    );
}
