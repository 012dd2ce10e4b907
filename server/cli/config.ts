import { DEFAULT_TURN_TTL, type IceOptions } from '../core/ice.ts';
import {
  type BucketOptions,
  DEFAULT_RATE_LIMITS,
  type RateLimitOptions,
} from '../core/rate-limit.ts';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../core/validation.ts';
import type { AccessOptions } from '../http/access.ts';
import { DEFAULT_MAX_CONNECTIONS_PER_ADDRESS } from '../http/access.ts';

/** The production server's settings, read from the environment. */
export interface ServerConfig {
  /** `PORT`, default 8080 (the codelab's). */
  port: number;
  /** `HOST`, default all interfaces. */
  host: string | undefined;
  /** `ROOM_CAPACITY`, default 2. */
  roomCapacity: number;
  /** `SIGNALING_CLIENT_LOG=1` mirrors server log lines to clients; off by default. */
  clientLog: boolean;
  /** `SIGNALING_EXPOSE_ADDRESSES=1` answers `ipaddr`; off by default. */
  exposeAddresses: boolean;
  /** `MAX_PAYLOAD_BYTES`, default 65536: the largest relayed `message`, in bytes of JSON. */
  maxPayloadBytes: number;
  /**
   * `RATE_JOIN_BURST` / `RATE_JOIN_PER_SECOND` (default 10 / 1), `RATE_MESSAGE_BURST` /
   * `RATE_MESSAGE_PER_SECOND` (100 / 20), `RATE_MESSAGE_BYTES_BURST` /
   * `RATE_MESSAGE_BYTES_PER_SECOND` (262144 / 32768): per-socket token buckets.
   */
  rateLimits: RateLimitOptions;
  /**
   * `ALLOWED_ORIGINS` (comma-separated origins besides the server's own), `ALLOWED_HOSTS`
   * (comma-separated host names; unset allows any, as a public server's name is not known
   * here), `MAX_CONNECTIONS_PER_ADDRESS` (default 20), `TRUST_PROXY=1` (count clients by the
   * last `X-Forwarded-For` entry).
   */
  access: AccessOptions;
  /** `SIGNALING_RECOVERY_SECONDS`, default 10: how long a dropped member keeps its seat; 0 is off. */
  recoveryWindowMs: number;
  /** `SIGNALING_METRICS=0` stops serving `/metrics`; on by default. */
  metrics: boolean;
  /**
   * `PING_INTERVAL_SECONDS` / `PING_TIMEOUT_SECONDS` (Socket.IO's 25 / 20): the heartbeat. A
   * silent connection counts as dropped after their sum; shorter notices a dead peer sooner.
   */
  heartbeat: { pingInterval: number; pingTimeout: number };
  /**
   * `STUN_URLS` and `TURN_URLS` (comma-separated), `TURN_SECRET` (coturn's
   * `static-auth-secret`) and `TURN_TTL` (credential lifetime in seconds, default 86400).
   */
  ice: IceOptions;
  /** `REDIS_URL`: share rooms with every process on this Redis; unset keeps them in memory. */
  redisUrl: string | undefined;
  /** `REDIS_CLUSTER=1`: `REDIS_URL` lists seed nodes of a Redis Cluster, comma-separated. */
  redisCluster: boolean;
}

/** Reads {@link ServerConfig} from `env`; throws with the variable to fix on a bad value. */
export function readConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const allowedHosts = list(env, 'ALLOWED_HOSTS');
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || undefined,
    roomCapacity: integer(env, 'ROOM_CAPACITY', 2, 1, 1000),
    clientLog: flag(env, 'SIGNALING_CLIENT_LOG', false),
    exposeAddresses: flag(env, 'SIGNALING_EXPOSE_ADDRESSES', false),
    maxPayloadBytes: integer(env, 'MAX_PAYLOAD_BYTES', DEFAULT_MAX_PAYLOAD_BYTES, 1024, 2 ** 24),
    rateLimits: {
      join: bucket(env, 'RATE_JOIN', DEFAULT_RATE_LIMITS.join),
      message: bucket(env, 'RATE_MESSAGE', DEFAULT_RATE_LIMITS.message),
      messageBytes: bucket(env, 'RATE_MESSAGE_BYTES', DEFAULT_RATE_LIMITS.messageBytes),
    },
    access: {
      allowedOrigins: list(env, 'ALLOWED_ORIGINS'),
      allowedHosts: allowedHosts.length > 0 ? allowedHosts : true,
      maxConnectionsPerAddress: integer(
        env,
        'MAX_CONNECTIONS_PER_ADDRESS',
        DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
        1,
        100_000,
      ),
      trustProxy: flag(env, 'TRUST_PROXY', false),
    },
    recoveryWindowMs: integer(env, 'SIGNALING_RECOVERY_SECONDS', 10, 0, 3600) * 1000,
    metrics: flag(env, 'SIGNALING_METRICS', true),
    heartbeat: {
      pingInterval: integer(env, 'PING_INTERVAL_SECONDS', 25, 1, 3600) * 1000,
      pingTimeout: integer(env, 'PING_TIMEOUT_SECONDS', 20, 1, 3600) * 1000,
    },
    ice: {
      stunUrls: list(env, 'STUN_URLS'),
      turnUrls: list(env, 'TURN_URLS'),
      turnSecret: env.TURN_SECRET || undefined,
      turnTtl: integer(env, 'TURN_TTL', DEFAULT_TURN_TTL, 60, 30 * 86_400),
    },
    redisUrl: env.REDIS_URL || undefined,
    redisCluster: flag(env, 'REDIS_CLUSTER', false),
  };
}

function bucket(env: NodeJS.ProcessEnv, prefix: string, fallback: BucketOptions): BucketOptions {
  return {
    burst: integer(env, `${prefix}_BURST`, fallback.burst, 1, 2 ** 30),
    perSecond: decimal(env, `${prefix}_PER_SECOND`, fallback.perSecond, 0, 2 ** 30),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) {
  const value = decimal(env, name, fallback, min, max);
  if (!Number.isInteger(value)) {
    throw new Error(`[signaling] ${name}=${env[name]} is not a whole number from ${min} to ${max}`);
  }
  return value;
}

function decimal(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`[signaling] ${name}=${raw} is not a number from ${min} to ${max}`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new Error(`[signaling] ${name}=${raw} must be 1 or 0`);
}

function list(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
