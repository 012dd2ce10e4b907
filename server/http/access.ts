import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { AccessVerdict, AddressGate } from '../core/ports.ts';
import { type BucketOptions, KeyedBuckets } from '../core/rate-limit.ts';
import { addressKey, DEFAULT_IPV6_PREFIX_LENGTH } from './address-key.ts';

/** Who may open a signaling connection. */
export interface AccessOptions {
  /**
   * Origins (scheme, host and port, e.g. `https://app.example.com`) allowed besides the server's
   * own. A browser handshake whose `Origin` is neither is refused. Requests without `Origin`
   * (Node clients, curl) are not browsers' and pass.
   * @default []
   */
  allowedOrigins?: readonly string[];
  /**
   * Host names the server answers to (Vite's `allowedHosts` rule: `.example.com` also allows its
   * subdomains). `localhost`, `*.localhost` and IP addresses always pass; `true` allows any.
   * The check stops DNS-rebinding pages from reaching a server on localhost or a LAN.
   * @default []
   */
  allowedHosts?: readonly string[] | true;
  /**
   * Open connections allowed per client address (all transports, all tabs). Past it a client is
   * refused with a `connect_error` saying so; past twice it, already at the handshake.
   * @default 20
   */
  maxConnectionsPerAddress?: number;
  /**
   * New connections (Engine.IO handshakes) allowed per client address: a burst, then a steady
   * rate. Past it, the handshake is refused with `too-many-handshakes`. A browser opens one per
   * tab and reconnects with backoff, so only a client churning connections meets it. Unset,
   * handshakes are not limited (the production server sets {@link DEFAULT_HANDSHAKES}).
   * @default undefined
   */
  handshakes?: BucketOptions;
  /**
   * Seats one client address may keep held while their connections are away (recovery). Past
   * it, a dropped member's seat is freed at once, as if it had left.
   * @default 4 ({@link DEFAULT_MAX_HELD_SEATS_PER_ADDRESS})
   */
  maxHeldSeatsPerAddress?: number;
  /**
   * How many leading bits of an IPv6 client address every per-address limit counts by: a
   * client picking addresses within its /64 is still one client. IPv4 addresses (and
   * IPv4-mapped IPv6 ones) count one by one. 128 counts each IPv6 address on its own.
   * @default 64
   */
  ipv6PrefixLength?: number;
  /**
   * Take the client address from the last `X-Forwarded-For` entry (the one a reverse proxy
   * appended). Only behind a proxy that sets it: otherwise clients can choose their address.
   * @default false
   */
  trustProxy?: boolean;
}

/** The default of {@link AccessOptions.maxConnectionsPerAddress}. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 20;

/** The default of {@link AccessOptions.maxHeldSeatsPerAddress}. */
export const DEFAULT_MAX_HELD_SEATS_PER_ADDRESS = 4;

/** The production server's default of {@link AccessOptions.handshakes}. */
export const DEFAULT_HANDSHAKES: BucketOptions = { burst: 20, perSecond: 5 };

/**
 * Handshakes an address may have refused (since its bucket was last full) before its new TCP
 * connections are dropped unread while it has no handshake left (see {@link AccessGate.shed}):
 * a browser that reconnects with backoff never gets there.
 */
export const SHED_AFTER_REFUSALS = 10;

/**
 * Checks every engine.io handshake (polling and websocket alike) for its Host, its Origin and
 * its address's connection count, and counts open connections per address. engine.io calls
 * its `allowRequest` before Vite's own host check could run, and Socket.IO's `cors` option does
 * not apply to websockets: this gate is the one place the checks happen.
 */
export class AccessGate implements AddressGate {
  readonly #allowedOrigins: ReadonlySet<string>;
  readonly #allowedHosts: readonly string[] | true;
  readonly #maxPerAddress: number;
  readonly #trustProxy: boolean;
  readonly #ipv6PrefixLength: number;
  readonly #open = new Map<string, number>();
  readonly #handshakes: KeyedBuckets | undefined;
  /** Handshakes refused per address since its bucket was last full: how long it has churned. */
  readonly #refusedRun = new Map<string, number>();

  constructor(options: AccessOptions = {}) {
    this.#allowedOrigins = new Set((options.allowedOrigins ?? []).map(normaliseOrigin));
    this.#allowedHosts =
      options.allowedHosts === true
        ? true
        : (options.allowedHosts ?? []).map((host) => host.toLowerCase());
    this.#maxPerAddress = options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
    this.#trustProxy = options.trustProxy ?? false;
    this.#ipv6PrefixLength = options.ipv6PrefixLength ?? DEFAULT_IPV6_PREFIX_LENGTH;
    if (
      !Number.isInteger(this.#ipv6PrefixLength) ||
      this.#ipv6PrefixLength < 1 ||
      this.#ipv6PrefixLength > 128
    ) {
      throw new RangeError(
        `[signaling] ipv6PrefixLength must be a whole number from 1 to 128, got ${this.#ipv6PrefixLength}`,
      );
    }
    this.#handshakes = options.handshakes && new KeyedBuckets(options.handshakes);
    if (!Number.isInteger(this.#maxPerAddress) || this.#maxPerAddress < 1) {
      throw new RangeError(
        `[signaling] maxConnectionsPerAddress must be a whole number >= 1, got ${this.#maxPerAddress}`,
      );
    }
  }

  /** Decides whether a handshake request may open a connection. */
  check(request: IncomingMessage): AccessVerdict {
    const host = request.headers.host;
    if (host === undefined || !this.#hostAllowed(host)) {
      return {
        ok: false,
        reason: 'host',
        message: `[signaling] host "${host ?? ''}" is not served here; add it to ALLOWED_HOSTS (or Vite's server.allowedHosts)`,
      };
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !this.#originAllowed(origin, host)) {
      return {
        ok: false,
        reason: 'origin',
        message: `[signaling] origin "${origin}" may not connect; add it to ALLOWED_ORIGINS`,
      };
    }
    const address = this.address(request);
    if (this.#handshakes && !this.#handshakes.take(address)) {
      this.#refusedRun.set(address, (this.#refusedRun.get(address) ?? 0) + 1);
      return {
        ok: false,
        reason: 'too-many-handshakes',
        message: '[signaling] too many new connections from one address; wait a moment',
      };
    }
    // The hard limit, for clients that never get as far as the namespace (where a browser sees
    // the message of `checkConnection`): twice the cap, so the friendly refusal comes first.
    if ((this.#open.get(address) ?? 0) >= this.#maxPerAddress * 2) {
      return { ok: false, reason: 'too-many-connections', message: this.#tooMany() };
    }
    return { ok: true };
  }

  /**
   * Whether a new TCP connection from `address` is dropped as it is accepted: its address has
   * had {@link SHED_AFTER_REFUSALS} handshakes refused since its bucket was last full, and has
   * no handshake left now. A client refused now and then still reads why (its http request is
   * answered); one that keeps churning costs the server little more than the accept, and only
   * the connections that will pass (one per token that comes back) are read. Off behind a
   * proxy (`trustProxy`), where every connection comes from the proxy's address.
   */
  shed(address: string | undefined): boolean {
    if (!this.#handshakes || this.#trustProxy || address === undefined) return false;
    const key = addressKey(address, this.#ipv6PrefixLength);
    const run = this.#refusedRun.get(key);
    return run !== undefined && run >= SHED_AFTER_REFUSALS && !this.#handshakes.has(key);
  }

  /**
   * Decides whether a connection already counted (its handshake passed) may join the namespace.
   * Refused here, a browser gets `connect_error` with this message; at the handshake it would
   * only see a bare transport error.
   */
  checkConnection(address: string): AccessVerdict {
    if ((this.#open.get(address) ?? 0) > this.#maxPerAddress) {
      return { ok: false, reason: 'too-many-connections', message: this.#tooMany() };
    }
    return { ok: true };
  }

  /**
   * Charges a Socket.IO CONNECT that follows an ended socket on an open connection what a new
   * handshake costs; false when the address has no handshake left.
   */
  handshakeAgain(address: string): boolean {
    return !this.#handshakes || this.#handshakes.take(address);
  }

  #tooMany(): string {
    return `[signaling] more than ${this.#maxPerAddress} connections from one address; close other tabs and reload`;
  }

  /** Whether `request`'s Host header names this server (checked on plain http routes too). */
  hostAllowed(request: IncomingMessage): boolean {
    const host = request.headers.host;
    return host !== undefined && this.#hostAllowed(host);
  }

  /** Counts an open connection from `address`; call `closed` once when it closes. */
  opened(address: string): void {
    this.#open.set(address, (this.#open.get(address) ?? 0) + 1);
  }

  /** Releases the slot `opened` counted for `address` (no closure kept per connection). */
  closed(address: string): void {
    const count = (this.#open.get(address) ?? 1) - 1;
    if (count > 0) this.#open.set(address, count);
    else this.#open.delete(address);
  }

  /** How many addresses have open connections (the map must empty when clients leave). */
  get addresses(): number {
    return this.#open.size;
  }

  /** How many addresses have a handshake bucket that is not full again yet (or a refusal run). */
  get handshakeAddresses(): number {
    return Math.max(this.#handshakes?.size ?? 0, this.#refusedRun.size);
  }

  /**
   * Forgets the handshake buckets that are full again, and with them their addresses' refusal
   * runs: an address that rested that long starts afresh (called now and then).
   */
  prune(): void {
    const handshakes = this.#handshakes;
    handshakes?.prune();
    for (const address of this.#refusedRun.keys()) {
      if (!handshakes || handshakes.has(address, handshakes.options.burst)) {
        this.#refusedRun.delete(address);
      }
    }
  }

  /**
   * The client address a request counts against: an IPv4 address, or an IPv6 one's prefix
   * (see {@link addressKey}).
   */
  address(request: IncomingMessage): string {
    return addressKey(this.#rawAddress(request), this.#ipv6PrefixLength);
  }

  #rawAddress(request: IncomingMessage): string {
    if (this.#trustProxy) {
      const forwarded = request.headers['x-forwarded-for'];
      const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? ''))
        .split(',')
        .pop()
        ?.trim();
      if (last) return last;
    }
    return request.socket.remoteAddress ?? 'unknown';
  }

  #hostAllowed(host: string): boolean {
    if (this.#allowedHosts === true) return true;
    const name = hostName(host);
    if (name === undefined) return false;
    if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return true;
    return this.#allowedHosts.some((allowed) =>
      allowed.startsWith('.')
        ? name === allowed.slice(1) || name.endsWith(allowed)
        : name === allowed,
    );
  }

  #originAllowed(origin: string, host: string): boolean {
    if (this.#allowedOrigins.has(normaliseOrigin(origin))) return true;
    // Same origin: the page was served by this very host. The scheme is not compared because a
    // TLS-terminating proxy makes the page https while this server sees plain http.
    try {
      return new URL(origin).host === new URL(`http://${host}`).host;
    } catch {
      return false;
    }
  }
}

/** The host name of a Host header, without port or IPv6 brackets; undefined if malformed. */
function hostName(host: string): string | undefined {
  try {
    return new URL(`http://${host}`).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}

function normaliseOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    // `null` (sandboxed frames, file: pages) and other opaque origins compare as written.
    return origin;
  }
}
