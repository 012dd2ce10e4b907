import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KeyedBuckets } from '../core/rate-limit.ts';
import type { HttpHandler } from './metrics.ts';
import type { CallSummary } from './outcome-metrics.ts';

/** Where the operator's page lives: two segments, so no room link (`/name`) can shadow it. */
export const ADMIN_PATH = '/_signaling/admin';

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

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signaling: operator's view</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem; max-width: 48rem; color: #1d2330; }
  h1 { font-size: 1.4rem; }
  h2 { font-size: 1.05rem; margin-top: 1.5rem; }
  table { border-collapse: collapse; min-width: 20rem; }
  th, td { text-align: left; padding: 0.25rem 0.75rem 0.25rem 0; border-bottom: 1px solid #dde1e8; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
  .error { color: #b3261e; }
  [hidden] { display: none; }
</style>
<script type="module" src="${ADMIN_PATH}.js"></script>
</head>
<body>
<h1>Signaling: operator's view</h1>
<form id="login">
  <label>Admin secret <input name="secret" type="password" autocomplete="current-password" required></label>
  <button type="submit">Show figures</button>
</form>
<p id="status" role="status"></p>
<section id="figures" hidden>
  <label><input id="names" type="checkbox"> Show room names</label>
  <button id="logout" type="button">Forget the secret</button>
  <h2>This process</h2>
  <table aria-label="process"><tbody id="process"></tbody></table>
  <h2>Rooms</h2>
  <table aria-label="rooms"><tbody id="rooms"></tbody></table>
  <table aria-label="room names" id="names-table" hidden>
    <thead><tr><th>Room</th><th>Members</th><th>Locked</th></tr></thead><tbody></tbody>
  </table>
  <h2>Calls reported since start</h2>
  <table aria-label="calls"><tbody id="calls"></tbody></table>
  <h2>Refusals since start</h2>
  <table aria-label="refusals"><tbody id="refusals"></tbody></table>
</section>
</body>
</html>
`;

// Plain DOM and textContent only: room names are user input and never become HTML.
const SCRIPT = `const KEY = 'signaling-admin-secret';
const $ = (id) => document.getElementById(id);
let timer;

function rows(body, entries) {
  body.replaceChildren(...entries.map(([name, value]) => {
    const row = document.createElement('tr');
    const th = document.createElement('th');
    th.textContent = name;
    const td = document.createElement('td');
    td.className = 'n';
    td.textContent = String(value);
    row.append(th, td);
    return row;
  }));
}

function render(data) {
  rows($('process'), [
    ['Process id', data.process.pid],
    ['Up (seconds)', data.process.uptimeSeconds],
    ['Draining', data.process.draining ? 'yes' : 'no'],
    ['Connections (sockets)', data.connections.sockets],
    ['Connections (transport)', data.connections.engine],
    ['Client addresses', data.connections.addresses],
    ['Away sessions', data.away.sessions],
    ['Seats held for dropped members', data.away.heldSeats],
    ['Joins', data.totals.joins],
    ['Told full', data.totals.full],
    ['Relays', data.totals.relays],
  ]);
  rows($('rooms'), [
    ['Live rooms', data.rooms.total],
    ['Locked with a PIN', data.rooms.locked],
    ...Object.entries(data.rooms.byMembers).map(([n, count]) => ['With ' + n + ' member(s)', count]),
  ]);
  const share = (value) => (value === null ? '-' : Math.round(value * 100) + ' %');
  const seconds = (value) => (value === null ? '-' : value.toFixed(2) + ' s');
  rows($('calls'), [
    ['Reported', data.calls.reported],
    ['Failed', data.calls.failed],
    ['Failure share', share(data.calls.failedShare)],
    ['Relayed share', share(data.calls.relayedShare)],
    ['Setup p50', seconds(data.calls.setupP50Seconds)],
    ['Setup p95', seconds(data.calls.setupP95Seconds)],
  ]);
  const refusals = Object.entries(data.refusals);
  rows($('refusals'), refusals.length ? refusals : [['none', 0]]);
  const table = $('names-table');
  table.hidden = !data.rooms.names;
  table.tBodies[0].replaceChildren(...(data.rooms.names ?? []).map((room) => {
    const row = document.createElement('tr');
    for (const value of [room.room, room.members, room.locked ? 'yes' : 'no']) {
      const cell = document.createElement('td');
      cell.textContent = String(value);
      row.append(cell);
    }
    return row;
  }));
}

async function refresh() {
  clearTimeout(timer);
  const secret = sessionStorage.getItem(KEY);
  if (!secret) return show(false, '');
  const names = $('names').checked ? '?names=1' : '';
  let answer;
  try {
    answer = await fetch('${ADMIN_PATH}.json' + names, { headers: { Authorization: 'Bearer ' + secret } });
  } catch {
    show(true, 'The server does not answer; retrying.');
    timer = setTimeout(refresh, 2000);
    return;
  }
  if (answer.status === 401 || answer.status === 429) {
    sessionStorage.removeItem(KEY);
    const { error } = await answer.json();
    return show(false, 'Refused: ' + error);
  }
  render(await answer.json());
  show(true, 'Updated ' + new Date().toLocaleTimeString());
  timer = setTimeout(refresh, 2000);
}

function show(authorised, message) {
  $('login').hidden = authorised;
  $('figures').hidden = !authorised;
  $('status').textContent = message;
  $('status').className = message.startsWith('Refused') ? 'error' : '';
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY, event.target.elements.secret.value);
  event.target.reset();
  refresh();
});
$('names').addEventListener('change', refresh);
$('logout').addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  show(false, '');
});
refresh();
`;
