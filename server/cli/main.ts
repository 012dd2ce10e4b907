#!/usr/bin/env node
/**
 * The `webrtc-rooms` command: serves the built SPA and the signaling from one plain Node http
 * server, with no Vite at run time. `npx webrtc-rooms --help` lists the settings; in this
 * repository, `npm run build && npm start`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { collectDefaultMetrics } from 'prom-client';
import sirv from 'sirv';
import { redactingLogger, secretsOf } from '../core/redact.ts';
import { APP_CONTENT_SECURITY_POLICY } from '../http/app-policy.ts';
import { attachSignaling } from '../index.ts';
import { connectRedis, type RedisSignaling } from '../stores/redis/index.ts';
import { helpText, parseCommandLine } from './args.ts';
import { readConfig, type ServerConfig } from './config.ts';

/** The settings from the command line and the environment; on a mistake, says which and exits. */
function configOrExit(): ServerConfig | undefined {
  try {
    const command = parseCommandLine(process.argv.slice(2));
    if (command.help) {
      console.log(helpText());
      return undefined;
    }
    return readConfig(process.env, command.flags);
  } catch (error) {
    console.error(`[signaling] ${(error as Error).message.replace(/^\[signaling\] /, '')}`);
    console.error('Run `webrtc-rooms --help` for the settings.');
    process.exit(2);
  }
}

const config = configOrExit();
if (config) await serve(config);

/** Listens with `config` until SIGTERM or SIGINT, then drains and exits. */
async function serve(config: ServerConfig): Promise<void> {
  // The package ships the app's build beside the server's: dist/client and dist/server/cli.
  const clientDir = fileURLToPath(new URL('../../client/', import.meta.url));
  const app = appFiles(clientDir);
  const server = createServer((req, res) => {
    signaling.httpHandler(req, res, () => app(req, res));
  });
  // Every line the server logs goes through this: the Redis URL's password never leaves.
  const logger = redactingLogger(console, secretsOf(config.redisUrl));
  const redis = config.redisUrl ? await redisOrExit(config.redisUrl, config, logger) : undefined;
  const signaling = attachSignaling(server, {
    logger,
    roomCapacity: config.roomCapacity,
    rooms: redis?.rooms,
    clientLog: config.clientLog,
    exposeAddresses: config.exposeAddresses,
    maxPayloadBytes: config.maxPayloadBytes,
    maxBufferedBytes: config.maxBufferedBytes,
    rateLimits: config.rateLimits,
    access: config.access,
    recoveryWindowMs: config.recoveryWindowMs,
    metrics: config.metrics,
    callOutcomes: config.callOutcomes,
    socketOptions: { ...config.heartbeat, adapter: redis?.adapter },
    ice: config.ice,
    roomAccess: config.roomAccess,
    adminSecret: config.adminSecret,
  });
  redis?.bind(signaling.io);
  // Process figures (memory, CPU, handles) beside the signaling's own, for the one process there is.
  collectDefaultMetrics({ register: signaling.metrics.registry });

  // Node's default accept backlog is 511: a burst of reconnects (a deploy, a network blip) at
  // thousands per second overflows it while the event loop is busy, and the kernel drops the
  // rest. The kernel caps this at net.core.somaxconn.
  server.listen({ port: config.port, host: config.host, backlog: 4096 }, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    console.log(
      `[signaling] serving ${clientDir} and signaling on ${listeningOn(config.host, port)}`,
    );
  });
  const stop = async () => {
    server.close();
    await signaling.close();
    await redis?.close();
    server.closeAllConnections();
  };
  // A rejection nobody handled is a bug of ours or of a library (a Redis client's timeout has
  // been one): log it loudly, but keep serving every other room rather than end the process.
  process.on('unhandledRejection', (reason) =>
    logger.error('[signaling] unhandled rejection (a bug: please report it):', reason),
  );
  process.once('SIGTERM', () => void shutdown('SIGTERM', stop));
  process.once('SIGINT', () => void shutdown('SIGINT', stop));
}

/**
 * Connects to Redis at `url`; a URL Redis's client cannot even parse ends the process with
 * the reason, logged through `logger` (the parse error quotes the URL, password and all).
 */
async function redisOrExit(
  url: string,
  config: ServerConfig,
  logger: ReturnType<typeof redactingLogger>,
): Promise<RedisSignaling> {
  try {
    return await connectRedis(url, {
      capacity: config.roomCapacity,
      cluster: config.redisCluster,
      logger,
    });
  } catch (error) {
    logger.error('[signaling] cannot use REDIS_URL; check it:', error);
    process.exit(2);
  }
}

/** Where the start line says to connect, and on which interfaces the server listens. */
function listeningOn(host: string | undefined, port: number): string {
  if (host === undefined) return `http://localhost:${port}/ (listening on all interfaces)`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
}

/**
 * The app's files, under its Content-Security-Policy; a room's path gets the app too; anything
 * else a 404.
 */
function appFiles(clientDir: string) {
  const serveStatic = sirv(clientDir, {
    single: true,
    etag: true,
    setHeaders: (res) => res.setHeader('Content-Security-Policy', APP_CONTENT_SECURITY_POLICY),
  });
  return (req: IncomingMessage, res: ServerResponse) =>
    serveStatic(req, res, () => {
      // sirv's fallback skips paths that look like files (`/a.b`), but a room name may hold
      // dots: a one-segment path that is no file is a room, so it gets the app too.
      if (/^\/[^/?]+(?:\?.*)?$/.test(req.url ?? '')) {
        req.url = '/';
        serveStatic(req, res, () => notFound(res));
      } else notFound(res);
    });
}

function notFound(res: ServerResponse) {
  res.statusCode = 404;
  res.end('Not found');
}

async function shutdown(signal: string, stop: () => Promise<void>) {
  console.log(`[signaling] ${signal}: draining; clients are told to reconnect`);
  // Whatever happens below, the process ends within a few seconds: an orchestrator's SIGKILL
  // would come next anyway, and a clean exit code is more useful than a kill.
  setTimeout(() => {
    console.error('[signaling] drain took too long; exiting with connections still open');
    process.exit(1);
  }, 5000).unref();
  await stop();
  console.log('[signaling] drained; bye');
  process.exit(0);
}
