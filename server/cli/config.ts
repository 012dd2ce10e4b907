import type { IceOptions } from '../core/ice.ts';
import type { RateLimitOptions } from '../core/rate-limit.ts';
import type { RoomAccessOptions } from '../core/room-access.ts';
import type { AccessOptions } from '../http/access.ts';
import { checkAdminSecret } from '../http/admin.ts';
import { SETTINGS, type Setting, type SettingValue } from './settings.ts';

/**
 * The production server's settings, read from the command line and the environment: each
 * field's flag, variable, default and meaning are in {@link SETTINGS}.
 */
export interface ServerConfig {
  port: number;
  host: string | undefined;
  roomCapacity: number;
  clientLog: boolean;
  exposeAddresses: boolean;
  maxPayloadBytes: number;
  /** `--max-buffered-bytes`: what a connection may hold unsent before it is closed. */
  maxBufferedBytes: number;
  /** The per-socket token buckets (`--rate-*`). */
  rateLimits: RateLimitOptions;
  access: AccessOptions;
  /** `--recovery-seconds`, in milliseconds. */
  recoveryWindowMs: number;
  metrics: boolean;
  /** `--call-outcomes` and `--rate-call-outcome-*`: the reports counted, or false. */
  callOutcomes: false | { perAddress: { burst: number; perSecond: number } };
  /** `--ping-interval-seconds` and `--ping-timeout-seconds`, in milliseconds. */
  heartbeat: { pingInterval: number; pingTimeout: number };
  ice: IceOptions;
  /** PIN guess limits, the lock's linger and room tokens (`--rate-pin-*`, `--room-*`). */
  roomAccess: RoomAccessOptions;
  /** `--admin-secret`: the operator's page at `/_signaling/admin`; unset, no page. */
  adminSecret: string | undefined;
  redisUrl: string | undefined;
  /** `REDIS_CLUSTER=1`: `REDIS_URL` lists seed nodes of a Redis Cluster, comma-separated. */
  redisCluster: boolean;
}

/**
 * Where a setting's raw text comes from: the command line's values (by environment variable
 * name, as `parseCommandLine` gives them) win over the environment.
 */
type Lookup = (setting: Setting) => { raw: string | undefined; name: string };

/**
 * Reads {@link ServerConfig} from `env` and the command line's `flags` (which win); throws with
 * the flag or variable to fix on a bad value. Every setting is in {@link SETTINGS}.
 */
export function readConfig(
  env: NodeJS.ProcessEnv,
  flags: Readonly<Record<string, string>> = {},
): ServerConfig {
  const read = reader((setting) =>
    flags[setting.env] !== undefined
      ? { raw: flags[setting.env], name: `--${setting.flag}` }
      : { raw: env[setting.env], name: setting.env },
  );
  const s = SETTINGS;
  const allowedHosts = read(s.allowedHosts);
  const adminSecret = read(s.adminSecret);
  checkAdminSecret(
    adminSecret,
    flags[s.adminSecret.env] !== undefined ? `--${s.adminSecret.flag}` : s.adminSecret.env,
  );
  return {
    port: read(s.port),
    host: read(s.host),
    roomCapacity: read(s.roomCapacity),
    clientLog: read(s.clientLog),
    exposeAddresses: read(s.exposeAddresses),
    maxPayloadBytes: read(s.maxPayloadBytes),
    rateLimits: {
      join: { burst: read(s.rateJoinBurst), perSecond: read(s.rateJoinPerSecond) },
      message: { burst: read(s.rateMessageBurst), perSecond: read(s.rateMessagePerSecond) },
      messageBytes: {
        burst: read(s.rateMessageBytesBurst),
        perSecond: read(s.rateMessageBytesPerSecond),
      },
    },
    access: {
      allowedOrigins: read(s.allowedOrigins),
      allowedHosts: allowedHosts.length > 0 ? allowedHosts : true,
      maxConnectionsPerAddress: read(s.maxConnectionsPerAddress),
      handshakes: { burst: read(s.rateHandshakeBurst), perSecond: read(s.rateHandshakePerSecond) },
      maxHeldSeatsPerAddress: read(s.maxHeldSeatsPerAddress),
      ipv6PrefixLength: read(s.ipv6PrefixLength),
      trustProxy: read(s.trustProxy),
    },
    maxBufferedBytes: read(s.maxBufferedBytes),
    recoveryWindowMs: read(s.recoverySeconds) * 1000,
    metrics: read(s.metrics),
    callOutcomes: read(s.callOutcomes) && {
      perAddress: {
        burst: read(s.rateCallOutcomeBurst),
        perSecond: read(s.rateCallOutcomePerSecond),
      },
    },
    heartbeat: {
      pingInterval: read(s.pingIntervalSeconds) * 1000,
      pingTimeout: read(s.pingTimeoutSeconds) * 1000,
    },
    ice: {
      stunUrls: read(s.stunUrls),
      turnUrls: read(s.turnUrls),
      turnSecret: read(s.turnSecret),
      turnTtl: read(s.turnTtl),
      turnPerAddress: { burst: read(s.rateTurnBurst), perSecond: read(s.rateTurnPerSecond) },
    },
    roomAccess: readRoomAccess(read),
    adminSecret,
    redisUrl: read(s.redisUrl),
    redisCluster: read(s.redisCluster),
  };
}

/** The room locks' settings: PIN guesses, how long a lock lingers, room tokens. */
function readRoomAccess(read: ReturnType<typeof reader>): ServerConfig['roomAccess'] {
  const s = SETTINGS;
  return {
    pinGuessesPerRoom: {
      burst: read(s.ratePinRoomBurst),
      perSecond: read(s.ratePinRoomPerSecond),
    },
    pinGuessesPerAddress: {
      burst: read(s.ratePinAddressBurst),
      perSecond: read(s.ratePinAddressPerSecond),
    },
    lockLingerMs: read(s.roomLockLingerSeconds) * 1000,
    tokenSecret: read(s.roomTokenSecret),
    tokenPublicKey: read(s.roomTokenPublicKey),
    tokenAlgorithm: read(s.roomTokenAlgorithm),
    tokenMaxLifetimeSeconds: read(s.roomTokenMaxSeconds),
  };
}

/** Reads one setting from `lookup`, by its kind. */
function reader(lookup: Lookup) {
  return <S extends Setting>(setting: S): SettingValue<S> => {
    const { raw, name } = lookup(setting);
    return parse(setting, raw, name) as SettingValue<S>;
  };
}

function parse(setting: Setting, raw: string | undefined, name: string) {
  switch (setting.type) {
    case 'integer':
    case 'number':
      return number(setting, raw, name);
    case 'boolean':
      return flag(raw, name, setting.default);
    case 'list':
      return list(raw);
    case 'text':
      return raw || undefined;
  }
}

function number(
  setting: Extract<Setting, { type: 'integer' | 'number' }>,
  raw: string | undefined,
  name: string,
): number {
  const { min, max } = setting;
  if (raw === undefined || raw === '') return setting.default;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`[signaling] ${name}=${raw} is not a number from ${min} to ${max}`);
  }
  if (setting.type === 'integer' && !Number.isInteger(value)) {
    throw new Error(`[signaling] ${name}=${raw} is not a whole number from ${min} to ${max}`);
  }
  return value;
}

function flag(raw: string | undefined, name: string, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new Error(`[signaling] ${name}=${raw} must be 1 or 0`);
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
