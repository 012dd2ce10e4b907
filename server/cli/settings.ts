import { DEFAULT_MAX_BUFFERED_BYTES } from '../core/connection-gates.ts';
import { DEFAULT_OUTCOMES_PER_ADDRESS } from '../core/handlers/call-outcome.ts';
import { DEFAULT_TURN_PER_ADDRESS, DEFAULT_TURN_TTL, MIN_TURN_TTL } from '../core/ice.ts';
import { DEFAULT_RATE_LIMITS } from '../core/rate-limit.ts';
import { DEFAULT_ROOM_ACCESS } from '../core/room-access.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../core/validation.ts';
import {
  DEFAULT_HANDSHAKES,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  DEFAULT_MAX_HELD_SEATS_PER_ADDRESS,
} from '../http/access.ts';
import { DEFAULT_IPV6_PREFIX_LENGTH } from '../http/address-key.ts';

/** How a setting's text becomes its value, and the value when it is not set. */
export type SettingKind =
  | { type: 'integer' | 'number'; min: number; max: number; default: number }
  | { type: 'boolean'; default: boolean }
  | { type: 'text' }
  | { type: 'list' };

/**
 * One setting of the production server: its flag, its environment variable, its default and
 * what it does. `--help` and the config reader both come from {@link SETTINGS}, so they cannot
 * disagree.
 */
export type Setting = SettingKind & {
  /** The flag without its dashes (`port` is `--port`; a yes/no flag also has `--no-port`). */
  flag: string;
  env: string;
  description: string;
  /** The default as `--help` shows it, when the value alone does not say it. */
  shown?: string;
};

/** The value a setting reads as. */
export type SettingValue<S extends Setting> = S extends { type: 'integer' | 'number' }
  ? number
  : S extends { type: 'boolean' }
    ? boolean
    : S extends { type: 'list' }
      ? string[]
      : string | undefined;

const { join, message, messageBytes } = DEFAULT_RATE_LIMITS;
const { pinGuessesPerRoom, pinGuessesPerAddress } = DEFAULT_ROOM_ACCESS;

/** A token bucket's two settings: the burst, and the rate after it. */
function bucketSettings(
  flag: string,
  env: string,
  defaults: { burst: number; perSecond: number },
  what: string,
) {
  return [
    {
      flag: `${flag}-burst`,
      env: `${env}_BURST`,
      type: 'integer',
      min: 1,
      max: 2 ** 30,
      default: defaults.burst,
      description: what,
    },
    {
      flag: `${flag}-per-second`,
      env: `${env}_PER_SECOND`,
      type: 'number',
      min: 0,
      max: 2 ** 30,
      default: defaults.perSecond,
      description: '... and per second after that',
    },
  ] as const;
}

const [rateJoinBurst, rateJoinPerSecond] = bucketSettings(
  'rate-join',
  'RATE_JOIN',
  join,
  '`create or join`, `bye` and `ipaddr` a socket may send at once',
);
const [rateMessageBurst, rateMessagePerSecond] = bucketSettings(
  'rate-message',
  'RATE_MESSAGE',
  message,
  '`message`s a socket may relay at once',
);
const [rateMessageBytesBurst, rateMessageBytesPerSecond] = bucketSettings(
  'rate-message-bytes',
  'RATE_MESSAGE_BYTES',
  messageBytes,
  'bytes a socket may relay at once',
);
const [rateCallOutcomeBurst, rateCallOutcomePerSecond] = bucketSettings(
  'rate-call-outcome',
  'RATE_CALL_OUTCOME',
  DEFAULT_OUTCOMES_PER_ADDRESS,
  'call outcomes one client address may report at once',
);
const [rateHandshakeBurst, rateHandshakePerSecond] = bucketSettings(
  'rate-handshake',
  'RATE_HANDSHAKE',
  DEFAULT_HANDSHAKES,
  'new connections one client address may open at once',
);
const [ratePinRoomBurst, ratePinRoomPerSecond] = bucketSettings(
  'rate-pin-room',
  'RATE_PIN_ROOM',
  pinGuessesPerRoom,
  'wrong PINs one room name takes at once',
);
const [ratePinAddressBurst, ratePinAddressPerSecond] = bucketSettings(
  'rate-pin-address',
  'RATE_PIN_ADDRESS',
  pinGuessesPerAddress,
  'wrong PINs one client address may send at once',
);

const [rateTurnBurst, rateTurnPerSecond] = bucketSettings(
  'rate-turn',
  'RATE_TURN',
  DEFAULT_TURN_PER_ADDRESS,
  'TURN credentials one client address may be handed at once',
);

/** Every setting of the `webrtc-rooms` command, in the order `--help` lists them. */
export const SETTINGS = {
  port: {
    flag: 'port',
    env: 'PORT',
    type: 'integer',
    min: 0,
    max: 65535,
    default: 8080,
    description: 'port to listen on (0 picks a free one)',
  },
  host: {
    flag: 'host',
    env: 'HOST',
    type: 'text',
    shown: 'all interfaces',
    description: 'address to listen on',
  },
  roomCapacity: {
    flag: 'room-capacity',
    env: 'ROOM_CAPACITY',
    type: 'integer',
    min: 2,
    max: 1000,
    default: 2,
    description: "members per room (the codelab's rule is two)",
  },
  clientLog: {
    flag: 'client-log',
    env: 'SIGNALING_CLIENT_LOG',
    type: 'boolean',
    default: false,
    description: "mirror server log lines to each client (the codelab's `log` event)",
  },
  exposeAddresses: {
    flag: 'expose-addresses',
    env: 'SIGNALING_EXPOSE_ADDRESSES',
    type: 'boolean',
    default: false,
    description: "answer `ipaddr` with the server's LAN addresses",
  },
  maxPayloadBytes: {
    flag: 'max-payload-bytes',
    env: 'MAX_PAYLOAD_BYTES',
    type: 'integer',
    min: 1024,
    max: 2 ** 24,
    default: DEFAULT_MAX_PAYLOAD_BYTES,
    description: 'largest relayed `message`, in bytes of JSON',
  },
  rateJoinBurst,
  rateJoinPerSecond,
  rateMessageBurst,
  rateMessagePerSecond,
  rateMessageBytesBurst,
  rateMessageBytesPerSecond,
  allowedOrigins: {
    flag: 'allowed-origins',
    env: 'ALLOWED_ORIGINS',
    type: 'list',
    shown: 'none',
    description: "origins that may connect besides the server's own (comma-separated)",
  },
  allowedHosts: {
    flag: 'allowed-hosts',
    env: 'ALLOWED_HOSTS',
    type: 'list',
    shown: 'any',
    description:
      'host names clients may connect to (comma-separated; `.example.com` with subdomains)',
  },
  maxConnectionsPerAddress: {
    flag: 'max-connections-per-address',
    env: 'MAX_CONNECTIONS_PER_ADDRESS',
    type: 'integer',
    min: 1,
    max: 100_000,
    default: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    description: 'open connections from one client address',
  },
  rateHandshakeBurst,
  rateHandshakePerSecond,
  maxHeldSeatsPerAddress: {
    flag: 'max-held-seats-per-address',
    env: 'MAX_HELD_SEATS_PER_ADDRESS',
    type: 'integer',
    min: 0,
    max: 100_000,
    default: DEFAULT_MAX_HELD_SEATS_PER_ADDRESS,
    description: 'seats held for dropped connections of one client address',
  },
  ipv6PrefixLength: {
    flag: 'ipv6-prefix-length',
    env: 'IPV6_PREFIX_LENGTH',
    type: 'integer',
    min: 1,
    max: 128,
    default: DEFAULT_IPV6_PREFIX_LENGTH,
    description: 'leading bits of an IPv6 client address that per-address limits count by',
  },
  maxBufferedBytes: {
    flag: 'max-buffered-bytes',
    env: 'MAX_BUFFERED_BYTES',
    type: 'integer',
    min: 65_536,
    max: 2 ** 30,
    default: DEFAULT_MAX_BUFFERED_BYTES,
    description: 'characters queued for a client that does not read before its connection closes',
  },
  trustProxy: {
    flag: 'trust-proxy',
    env: 'TRUST_PROXY',
    type: 'boolean',
    default: false,
    description: 'count clients by the last `X-Forwarded-For` entry (behind a proxy)',
  },
  recoverySeconds: {
    flag: 'recovery-seconds',
    env: 'SIGNALING_RECOVERY_SECONDS',
    type: 'integer',
    min: 0,
    max: 3600,
    default: 10,
    description: 'how long a member whose network dropped keeps its seat (0 is off)',
  },
  metrics: {
    flag: 'metrics',
    env: 'SIGNALING_METRICS',
    type: 'boolean',
    default: true,
    description: 'serve Prometheus `/metrics` (`/healthz` is always served)',
  },
  callOutcomes: {
    flag: 'call-outcomes',
    env: 'SIGNALING_CALL_OUTCOMES',
    type: 'boolean',
    default: true,
    description: 'count the call outcomes clients report in `/metrics` (no addresses)',
  },
  rateCallOutcomeBurst,
  rateCallOutcomePerSecond,
  pingIntervalSeconds: {
    flag: 'ping-interval-seconds',
    env: 'PING_INTERVAL_SECONDS',
    type: 'integer',
    min: 1,
    max: 3600,
    default: 25,
    description: 'heartbeat period; a silent connection drops after interval + timeout',
  },
  pingTimeoutSeconds: {
    flag: 'ping-timeout-seconds',
    env: 'PING_TIMEOUT_SECONDS',
    type: 'integer',
    min: 1,
    max: 3600,
    default: 20,
    description: "how long the server waits for a heartbeat's answer",
  },
  stunUrls: {
    flag: 'stun-urls',
    env: 'STUN_URLS',
    type: 'list',
    shown: 'none',
    description: '`stun:` URLs handed to clients (comma-separated)',
  },
  turnUrls: {
    flag: 'turn-urls',
    env: 'TURN_URLS',
    type: 'list',
    shown: 'none',
    description: '`turn:` URLs handed to clients (comma-separated; needs the TURN secret)',
  },
  turnSecret: {
    flag: 'turn-secret',
    env: 'TURN_SECRET',
    type: 'text',
    shown: 'none',
    description: "coturn's `static-auth-secret` (prefer the variable: flags show in `ps`)",
  },
  turnTtl: {
    flag: 'turn-ttl',
    env: 'TURN_TTL',
    type: 'integer',
    min: MIN_TURN_TTL,
    max: 86_400,
    default: DEFAULT_TURN_TTL,
    description: 'seconds a TURN credential may start relays (clients renew it before)',
  },
  rateTurnBurst,
  rateTurnPerSecond,
  ratePinRoomBurst,
  ratePinRoomPerSecond,
  ratePinAddressBurst,
  ratePinAddressPerSecond,
  roomLockLingerSeconds: {
    flag: 'room-lock-linger-seconds',
    env: 'ROOM_LOCK_LINGER_SECONDS',
    type: 'integer',
    min: 0,
    max: 3600,
    default: DEFAULT_ROOM_ACCESS.lockLingerMs / 1000,
    description: "how long a locked room's PIN outlives its last member (a reload)",
  },
  roomTokenSecret: {
    flag: 'room-token-secret',
    env: 'ROOM_TOKEN_SECRET',
    type: 'text',
    shown: 'none',
    description: 'HS256 secret (32+ bytes): joins then need a signed room token',
  },
  roomTokenPublicKey: {
    flag: 'room-token-public-key',
    env: 'ROOM_TOKEN_PUBLIC_KEY',
    type: 'text',
    shown: 'none',
    description: 'PEM public key: joins then need a room token signed by its private key',
  },
  roomTokenAlgorithm: {
    flag: 'room-token-algorithm',
    env: 'ROOM_TOKEN_ALGORITHM',
    type: 'text',
    shown: 'ES256',
    description: "the public key's signing algorithm",
  },
  roomTokenMaxSeconds: {
    flag: 'room-token-max-seconds',
    env: 'ROOM_TOKEN_MAX_SECONDS',
    type: 'integer',
    min: 1,
    max: 30 * 86_400,
    default: DEFAULT_ROOM_ACCESS.tokenMaxLifetimeSeconds,
    description: 'the longest lifetime a room token may have',
  },
  adminSecret: {
    flag: 'admin-secret',
    env: 'ADMIN_SECRET',
    type: 'text',
    shown: 'no page',
    description: "serve the operator's page at `/_signaling/admin` behind this secret (16+ bytes)",
  },
  redisUrl: {
    flag: 'redis-url',
    env: 'REDIS_URL',
    type: 'text',
    shown: 'in memory',
    description: 'share rooms with every process on this Redis (`redis://host:6379`)',
  },
  redisCluster: {
    flag: 'redis-cluster',
    env: 'REDIS_CLUSTER',
    type: 'boolean',
    default: false,
    description: 'the Redis URL lists seed nodes of a Redis Cluster (comma-separated)',
  },
} as const satisfies Record<string, Setting>;

/** The settings by name. */
export type Settings = typeof SETTINGS;
