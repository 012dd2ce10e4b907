import { createHmac } from 'node:crypto';
import type { IceServer } from '../protocol/index.ts';
import { type BucketOptions, checkBucket, KeyedBuckets } from './rate-limit.ts';

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
   * How long a TURN credential stays valid, in seconds. coturn checks it when an allocation is
   * made (a call's start, an ICE restart, a new peer of a mesh), not on the refreshes of one it
   * made: a call outlives it, and clients get fresh ones before they need them. Short, so a
   * credential lifted from a page is worth minutes to whoever took it (docs/security.md, TURN).
   * @default 600
   */
  turnTtl?: number;
  /**
   * TURN credentials handed out per client address (at each seat and on each `ice:servers`
   * request): a token bucket, so nobody farms credentials by joining again and again.
   * @default { burst: 20, perSecond: 0.2 }
   */
  turnPerAddress?: BucketOptions;
}

/** A TURN username and password in the TURN REST scheme. */
export interface TurnCredential {
  /** `expiry:id`, the expiry in Unix seconds (coturn reads up to the first colon). */
  username: string;
  /** base64(HMAC-SHA1(secret, username)). */
  credential: string;
}

/** The default of {@link IceOptions.turnTtl}: ten minutes (docs/security.md says why). */
export const DEFAULT_TURN_TTL = 600;

/** The shortest {@link IceOptions.turnTtl} accepted: shorter is for tests of renewal. */
export const MIN_TURN_TTL = 10;

/** The default of {@link IceOptions.turnPerAddress}. */
export const DEFAULT_TURN_PER_ADDRESS: BucketOptions = { burst: 20, perSecond: 0.2 };

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
 * credential of its own for `id` that expires `turnTtl` seconds from `now` (milliseconds).
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

/** What {@link IceIssuer.issue} hands one member. */
export interface IssuedServers {
  servers: IceServer[];
  /** Seconds the TURN credential stays valid for new allocations; absent without one. */
  ttl?: number;
  /** The address had no credential left in its bucket: `servers` has no TURN entry. */
  limited: boolean;
}

/**
 * Hands out ICE server lists: TURN credentials named after the call (`expiry:roomTag:member`,
 * so coturn's log ties each allocation to a room and a member), at most
 * {@link IceOptions.turnPerAddress} per client address. One per attach, checked options.
 */
export class IceIssuer {
  readonly #buckets: KeyedBuckets;

  constructor(readonly options: IceOptions) {
    this.#buckets = new KeyedBuckets(options.turnPerAddress ?? DEFAULT_TURN_PER_ADDRESS);
  }

  /** Whether TURN credentials are handed out at all. */
  get turn(): boolean {
    return (this.options.turnUrls?.length ?? 0) > 0 && Boolean(this.options.turnSecret);
  }

  /** The list for `member` of `room`, asking from `address`; TURN only while it has tokens. */
  issue(address: string, room: string, member: string, now = Date.now()): IssuedServers {
    if (!this.turn) return { servers: iceServersFor(this.options, member, now), limited: false };
    if (!this.#buckets.take(address)) {
      const stunOnly = iceServersFor({ ...this.options, turnUrls: [] }, member, now);
      return { servers: stunOnly, limited: true };
    }
    const id = `${roomTag(this.options.turnSecret ?? '', room)}:${member}`;
    const ttl = this.options.turnTtl ?? DEFAULT_TURN_TTL;
    return { servers: iceServersFor(this.options, id, now), ttl, limited: false };
  }

  /** Drops the buckets that are full again. */
  prune(): void {
    this.#buckets.prune();
  }

  /** How many addresses have a bucket not full again yet. */
  get addresses(): number {
    return this.#buckets.size;
  }
}

/**
 * A room's tag in TURN usernames: the first 12 hex digits of HMAC-SHA-256(secret, room), so
 * coturn's log groups a call's allocations without spelling its room's name; the operator,
 * who has the secret, can compute it for a room (docs/security.md, TURN).
 */
export function roomTag(secret: string, room: string): string {
  return createHmac('sha256', secret).update(room).digest('hex').slice(0, 12);
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
  if (!Number.isInteger(turnTtl) || turnTtl < MIN_TURN_TTL)
    throw new Error(
      `[signaling] the TURN credential lifetime must be whole seconds >= ${MIN_TURN_TTL}, got ${turnTtl}`,
    );
  checkBucket(options.turnPerAddress ?? DEFAULT_TURN_PER_ADDRESS);
}
