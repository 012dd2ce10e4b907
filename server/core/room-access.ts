import { createHmac, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { errors, type JWTPayload, jwtVerify } from 'jose';
import { ROOM_NAME_MAX } from '../protocol/index.ts';
import { parseRoomName } from '../protocol/room-name.ts';
import { type BucketOptions, KeyedBuckets } from './rate-limit.ts';
import type { MaybePromise } from './store.ts';

/** Who may sit in which room: PIN guess limits, and signed room tokens for operators. */
export interface RoomAccessOptions {
  /**
   * Wrong PINs allowed per room name (whether or not the room exists): a burst, then a rate.
   * @default { burst: 5, perSecond: 1 / 60 }
   */
  pinGuessesPerRoom?: BucketOptions;
  /**
   * Wrong PINs allowed per client address, over all rooms.
   * @default { burst: 10, perSecond: 1 / 30 }
   */
  pinGuessesPerAddress?: BucketOptions;
  /**
   * How long a locked room's lock outlives its last member, so a member who reloads finds it
   * still locked with its PIN.
   * @default 10000
   */
  lockLingerMs?: number;
  /**
   * HS256 secret of room tokens. Set (or `tokenPublicKey`), every `create or join` needs a
   * token in the handshake's `auth.token` naming that room.
   */
  tokenSecret?: string;
  /** A PEM public key (SPKI) that room tokens may be signed for instead, with `tokenAlgorithm`. */
  tokenPublicKey?: string;
  /** @default 'ES256' */
  tokenAlgorithm?: string;
  /**
   * The longest a token may still be valid for when presented, in seconds: bounds how long its
   * id must be remembered as spent.
   * @default 86400
   */
  tokenMaxLifetimeSeconds?: number;
}

/** The defaults of {@link RoomAccessOptions}. */
export const DEFAULT_ROOM_ACCESS = {
  pinGuessesPerRoom: { burst: 5, perSecond: 1 / 60 },
  pinGuessesPerAddress: { burst: 10, perSecond: 1 / 30 },
  lockLingerMs: 10_000,
  tokenMaxLifetimeSeconds: 86_400,
} as const;

/** The shortest and longest PIN accepted. */
export const PIN_LENGTH = { min: 4, max: 64 } as const;

/** The one refusal for a room this request cannot open, whatever the reason. */
export const LOCKED_MESSAGE =
  'no room with this name and PIN to join: check the PIN (the room may also be locked, or gone)';

/** What a verified room token grants: one join in `room`, until `exp` (ms since the epoch). */
export interface RoomGrant {
  room: string;
  exp: number;
  jti: string;
}

/** The most spent token ids remembered; past it new tokens are refused until some expire. */
const MAX_SPENT_TOKENS = 100_000;

/**
 * Where the ids of spent room tokens are kept until their token expires: this process's memory
 * ({@link MemorySpentTokens}), or a store every process of a fleet shares (Redis), so a token
 * spent on one process is spent on all.
 */
export interface SpentTokens {
  /** Whether `jti` was spent. */
  has(jti: string): MaybePromise<boolean>;
  /**
   * Spends `jti` until `exp` (ms since the epoch), atomically: answers why not when it was
   * spent already (by any process) or cannot be kept now, else undefined.
   */
  spend(jti: string, exp: number): MaybePromise<string | undefined>;
  /** Drops the ids of tokens that expired anyway (a store that expires them itself ignores it). */
  prune?(): void;
  /** How many ids this process keeps (0 for a shared store, which keeps them elsewhere). */
  readonly size: number;
}

/** The refusal of a token spent before. */
const SPENT_MESSAGE = 'the room token was already used';

/** Spent token ids in this process's memory, at most {@link MAX_SPENT_TOKENS}. */
export class MemorySpentTokens implements SpentTokens {
  readonly #spent = new Map<string, number>();

  has(jti: string): boolean {
    return this.#spent.has(jti);
  }

  spend(jti: string, exp: number): string | undefined {
    if (this.#spent.has(jti)) return SPENT_MESSAGE;
    // Walked only at the cap (and every few seconds by RoomAccess.prune), not on every join.
    if (this.#spent.size >= MAX_SPENT_TOKENS) this.prune();
    if (this.#spent.size >= MAX_SPENT_TOKENS) {
      return 'the server has too many tokens in use; try again in a while';
    }
    this.#spent.set(jti, exp);
    return undefined;
  }

  prune(): void {
    const now = Date.now();
    for (const [jti, exp] of this.#spent) if (exp <= now) this.#spent.delete(jti);
  }

  get size(): number {
    return this.#spent.size;
  }
}

/**
 * PINs, their guess limits and room tokens for one attach. A PIN is never kept: the room holds
 * its HMAC under a key made at attach and never written anywhere, so the hash in memory (or a
 * log line) gives nothing away without that key. A slow hash (scrypt) would not add much for
 * short PINs, whose defence is the guess limits, and would make the in-memory join
 * asynchronous.
 */
export class RoomAccess {
  readonly #pinKey = randomBytes(32);
  readonly #perRoom: KeyedBuckets;
  readonly #perAddress: KeyedBuckets;
  readonly #secret: Uint8Array | undefined;
  readonly #publicKey: KeyObject | undefined;
  readonly #algorithm: string;
  readonly #maxLifetimeMs: number;
  readonly #spent: SpentTokens;

  /** @param spent where spent token ids are kept: a shared store's, or this process's memory. */
  constructor(options: RoomAccessOptions = {}, spent: SpentTokens = new MemorySpentTokens()) {
    this.#spent = spent;
    this.#perRoom = new KeyedBuckets(
      options.pinGuessesPerRoom ?? DEFAULT_ROOM_ACCESS.pinGuessesPerRoom,
    );
    this.#perAddress = new KeyedBuckets(
      options.pinGuessesPerAddress ?? DEFAULT_ROOM_ACCESS.pinGuessesPerAddress,
    );
    this.#secret = options.tokenSecret ? new TextEncoder().encode(options.tokenSecret) : undefined;
    if (this.#secret !== undefined && this.#secret.length < 32) {
      throw new RangeError('[signaling] the room token secret needs at least 32 bytes');
    }
    this.#publicKey = options.tokenPublicKey ? createPublicKey(options.tokenPublicKey) : undefined;
    this.#algorithm = options.tokenAlgorithm ?? 'ES256';
    this.#maxLifetimeMs =
      (options.tokenMaxLifetimeSeconds ?? DEFAULT_ROOM_ACCESS.tokenMaxLifetimeSeconds) * 1000;
  }

  /** The lock a PIN puts on `room`: its keyed hash, bound to the room's name. */
  lock(room: string, pin: string): string {
    return createHmac('sha256', this.#pinKey).update(`${room}\n${pin}`).digest('base64url');
  }

  /** Whether one more PIN may be tried on `room` from `address` now. */
  mayGuess(room: string, address: string): boolean {
    return this.#perRoom.has(room) && this.#perAddress.has(address);
  }

  /** Counts a wrong PIN against `room` and `address`. */
  guessedWrong(room: string, address: string): void {
    this.#perRoom.take(room);
    this.#perAddress.take(address);
  }

  /** Whether joins need a room token. */
  get tokensRequired(): boolean {
    return this.#secret !== undefined || this.#publicKey !== undefined;
  }

  /**
   * Checks a handshake's token: signature (HS256 with the secret, or the public key's
   * algorithm; never `none`), expiry, a room name, an id, a lifetime within bounds, and not
   * spent, unless it is `own`: the very token that seated a member who now recovers its seat.
   * Throws with a message for the client otherwise.
   */
  async verify(token: unknown, own?: RoomGrant): Promise<RoomGrant> {
    if (typeof token !== 'string' || token === '') {
      throw new Error('this server needs a room token in the handshake (auth.token)');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header) => this.#keyFor(header.alg), {
        algorithms: [
          ...(this.#secret ? ['HS256'] : []),
          ...(this.#publicKey ? [this.#algorithm] : []),
        ],
        requiredClaims: ['exp', 'jti'],
      }));
    } catch (error) {
      throw new Error(
        error instanceof errors.JWTExpired
          ? 'the room token has expired; ask for a new one'
          : 'the room token is not valid here; ask for a new one',
      );
    }
    const room = parseRoomName(payload.room);
    const exp = (payload.exp ?? 0) * 1000;
    if (!room.ok || typeof payload.jti !== 'string' || payload.jti.length > ROOM_NAME_MAX * 2) {
      throw new Error('the room token names no valid room or has no valid id');
    }
    if (exp - Date.now() > this.#maxLifetimeMs) {
      throw new Error('the room token is valid for longer than this server accepts');
    }
    if (payload.jti !== own?.jti && (await this.#spent.has(payload.jti))) {
      throw new Error(SPENT_MESSAGE);
    }
    return { room: room.room, exp, jti: payload.jti };
  }

  /**
   * Spends `grant` for a join in `room`; returns why not when it cannot. A token is good for
   * one `create or join`: replayed later (after its room emptied, say), it is refused.
   */
  spend(grant: RoomGrant | undefined, room: string): MaybePromise<string | undefined> {
    if (!grant) return 'this connection has no room token; reconnect with one';
    if (grant.room !== room) return 'the room token is for another room';
    if (grant.exp <= Date.now()) return 'the room token has expired; ask for a new one';
    return this.#spent.spend(grant.jti, grant.exp);
  }

  /** Drops full guess buckets and the ids of tokens that expired anyway. */
  prune(): void {
    this.#perRoom.prune();
    this.#perAddress.prune();
    this.#spent.prune?.();
  }

  /** The sizes of what it keeps: guess buckets and spent token ids. */
  get sizes(): { pinRooms: number; pinAddresses: number; spentTokens: number } {
    return {
      pinRooms: this.#perRoom.size,
      pinAddresses: this.#perAddress.size,
      spentTokens: this.#spent.size,
    };
  }

  #keyFor(alg: string | undefined): Uint8Array | KeyObject {
    if (alg === 'HS256' && this.#secret) return this.#secret;
    if (this.#publicKey) return this.#publicKey;
    // jose refuses the algorithm before asking for a key; this is only a backstop.
    throw new Error('no key for this algorithm');
  }
}
