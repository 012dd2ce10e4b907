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
}

/** Reads {@link ServerConfig} from `env`; throws with the variable to fix on a bad value. */
export function readConfig(env: NodeJS.ProcessEnv): ServerConfig {
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || undefined,
    roomCapacity: integer(env, 'ROOM_CAPACITY', 2, 1, 1000),
    clientLog: flag(env, 'SIGNALING_CLIENT_LOG'),
    exposeAddresses: flag(env, 'SIGNALING_EXPOSE_ADDRESSES'),
  };
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`[signaling] ${name}=${raw} is not a whole number from ${min} to ${max}`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new Error(`[signaling] ${name}=${raw} must be 1 or 0`);
}
