import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeyedBuckets } from '../core/rate-limit.ts';
import { ADMIN_PATH, PAGE, SCRIPT } from './admin-page.ts';
import type { HttpHandler } from './metrics.ts';
import type { CallSummary } from './outcome-metrics.ts';

export { ADMIN_PATH } from './admin-page.ts';

/** What the operator's page shows: counts and states, never member ids. */
export interface AdminSnapshot {
  process: { pid: number; uptimeSeconds: number; draining: boolean };
  connections: { sockets: number; engine: number; addresses: number };
  away: { sessions: number; heldSeats: number };
  rooms: {
    total: number;
    locked: number;
    /** How many rooms have 1, 2, ... members. */
    byMembers: Record<string, number>;
    /** Only when asked for (`?names=1`). */
    names?: { room: string; members: number; locked: boolean }[];
  };
  totals: { joins: number; full: number; relays: number };
  /** Refusals since start, by reason (the `signaling_rejections_total` labels). */
  refusals: Record<string, number>;
  /** The call outcomes clients reported since start (outcome-metrics.ts). */
  calls: CallSummary;
}

/** Reads the live figures; `names` adds the room names. */
export type AdminSource = (names: boolean) => Promise<AdminSnapshot>;

/** Wrong secrets allowed per address: a burst, then one a second. */
const LOGIN_ATTEMPTS = { burst: 10, perSecond: 1 };

/** The shortest admin secret accepted, in bytes of UTF-8: 16 random bytes are past guessing. */
export const ADMIN_SECRET_MIN_BYTES = 16;

/**
 * Throws with what to do when `secret` is too short to stand alone: the page lets the right
 * secret in even while wrong ones from its address are refused (so a flood cannot lock the
 * operator out), so the secret's length is what stops guessing.
 */
export function checkAdminSecret(secret: string | undefined, name = 'adminSecret'): void {
  if (secret === undefined) return;
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < ADMIN_SECRET_MIN_BYTES) {
    throw new Error(
      `[signaling] ${name} is ${bytes} bytes; it needs at least ${ADMIN_SECRET_MIN_BYTES} (make one with \`openssl rand -hex 16\`)`,
    );
  }
}

/**
 * The operator's page, served only when a secret is configured: a login form and a table
 * (`ADMIN_PATH`), its script, and the JSON it reads (`ADMIN_PATH.json`), which answers only
 * with `Authorization: Bearer <secret>`. The secret is compared in constant time (digests of
 * equal length) before anything else: the right one always passes, and only wrong ones are
 * limited per address (429 once the address's bucket is empty). Behind a proxy without
 * `TRUST_PROXY` every request has the proxy's address, and a limit checked first would let
 * anyone's flood of wrong secrets lock the operator out.
 */
export function createAdminHandler(
  secret: string,
  source: AdminSource,
  address: (request: IncomingMessage) => string,
): HttpHandler {
  const expected = digest(secret);
  const attempts = new KeyedBuckets(LOGIN_ATTEMPTS, 10_000);
  return (request, response, next) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const get = request.method === 'GET' || request.method === 'HEAD';
    if (!get || !url.pathname.startsWith(ADMIN_PATH)) return pass(response, next);
    if (url.pathname === ADMIN_PATH) return send(response, 200, 'text/html', PAGE);
    if (url.pathname === `${ADMIN_PATH}.js`) return send(response, 200, 'text/javascript', SCRIPT);
    if (url.pathname !== `${ADMIN_PATH}.json`) return pass(response, next);
    const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      if (!attempts.take(address(request))) {
        return send(response, 429, 'application/json', error('too many wrong secrets; wait'));
      }
      return send(response, 401, 'application/json', error('the admin secret is missing or wrong'));
    }
    source(url.searchParams.get('names') === '1').then(
      (snapshot) => send(response, 200, 'application/json', JSON.stringify(snapshot)),
      (failure: unknown) => {
        console.error('[signaling] the admin page could not read the figures:', failure);
        send(response, 500, 'application/json', error('could not read the figures; see the log'));
      },
    );
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function error(message: string): string {
  return JSON.stringify({ error: `[signaling] ${message}` });
}

function pass(response: ServerResponse, next?: (error?: unknown) => void): void {
  if (next) return next();
  response.statusCode = 404;
  response.end('Not found');
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.statusCode = status;
  response.setHeader('Content-Type', `${type}; charset=utf-8`);
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  );
  response.end(body);
}
