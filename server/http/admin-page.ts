import { REFUSAL_LABELS } from '../protocol/refusals.ts';

/** Where the operator's page lives: two segments, so no room link (`/name`) can shadow it. */
export const ADMIN_PATH = '/_signaling/admin';

// The operator's page and its script, in the app's visual language (the values of
// src/components/tokens.ts), and the plain words for refusals the app uses (refusals.ts).

export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Operator's view · WebRTC rooms</title>
<style>
  :root {
    --text: #1f1f1f; --muted: #5f6368; --page: #f8f9fb; --surface: #fff; --border: #dadce0;
    --accent: #1a73e8; --accent-hover: #1765cc; --danger: #d93025; --danger-soft: #fce8e6;
    --radius: 12px; --shadow: 0 1px 2px rgb(60 64 67 / 0.3), 0 1px 3px 1px rgb(60 64 67 / 0.15);
    color-scheme: light;
  }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--text); background: var(--page); }
  header { display: flex; align-items: center; gap: 0.5rem; padding: 1rem 1.5rem; font-weight: 600; font-size: 1.05rem; }
  header svg { color: var(--accent); }
  main { max-width: 64rem; margin: 0 auto; padding: 0 1.5rem 3rem; }
  h1 { margin: 0.5rem 0 1.5rem; font-size: 1.75rem; font-weight: 500; }
  h2 { margin: 0 0 0.75rem; font-size: 1rem; font-weight: 600; }
  .card { background: var(--surface); border-radius: var(--radius); box-shadow: var(--shadow); padding: 1.25rem 1.5rem; }
  #login { display: grid; gap: 1rem; max-width: 24rem; }
  label { display: grid; gap: 0.25rem; font-size: 0.85rem; font-weight: 500; color: var(--muted); }
  input[type=password] { font: inherit; color: var(--text); min-height: 2.75rem; padding: 0 0.75rem; border: 1px solid var(--border); border-radius: 8px; }
  button { font: inherit; cursor: pointer; border-radius: 999px; }
  .primary { min-height: 2.75rem; padding: 0 1.5rem; border: none; background: var(--accent); color: #fff; font-weight: 600; }
  .primary:hover { background: var(--accent-hover); }
  .quiet { padding: 0.4rem 0.9rem; border: 1px solid var(--border); background: var(--surface); color: var(--accent); }
  :is(button, input):focus-visible { outline: none; box-shadow: 0 0 0 3px rgb(26 115 232 / 0.45); }
  .toolbar { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 0.75rem; margin-bottom: 1rem; }
  .toolbar label { display: flex; align-items: center; gap: 0.5rem; color: var(--text); font-size: 0.95rem; font-weight: 400; }
  .toolbar input { width: 1.1rem; height: 1.1rem; accent-color: var(--accent); }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; align-items: start; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 0.45rem 0; border-bottom: 1px solid #eceff1; font-weight: 400; }
  tr:last-child > * { border-bottom: none; }
  thead th { font-size: 0.8rem; color: var(--muted); font-weight: 500; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
  #names-table { margin-top: 1rem; }
  #status { min-height: 1.5rem; color: var(--muted); font-size: 0.9rem; }
  #status.error { color: var(--danger); background: var(--danger-soft); padding: 0.5rem 0.75rem; border-radius: 8px; }
  [hidden] { display: none !important; }
</style>
<script type="module" src="${ADMIN_PATH}.js"></script>
</head>
<body>
<header><svg width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="m16 13 5.223 3.482a.5.5 0 0 0 .777-.416V7.87a.5.5 0 0 0-.752-.432L16 10.5"/><rect x="2" y="6" width="14" height="12" rx="2"/></svg>WebRTC rooms</header>
<main>
<h1>Operator's view</h1>
<form id="login" class="card">
  <label>Admin secret <input name="secret" type="password" autocomplete="current-password" required></label>
  <button class="primary" type="submit">Show figures</button>
</form>
<p id="status" role="status"></p>
<section id="figures" hidden>
  <div class="toolbar">
    <label><input id="names" type="checkbox"> Show room names</label>
    <button id="logout" class="quiet" type="button">Forget the secret</button>
  </div>
  <div class="grid">
    <section class="card"><h2>This process</h2>
      <table aria-label="process"><tbody id="process"></tbody></table></section>
    <section class="card"><h2>Rooms</h2>
      <table aria-label="rooms"><tbody id="rooms"></tbody></table>
      <table aria-label="room names" id="names-table" hidden>
        <thead><tr><th>Room</th><th>Members</th><th>Locked</th></tr></thead><tbody></tbody>
      </table></section>
    <section class="card"><h2>Calls reported since start</h2>
      <table aria-label="calls"><tbody id="calls"></tbody></table></section>
    <section class="card"><h2>Refused since start</h2>
      <table aria-label="refusals"><tbody id="refusals"></tbody></table></section>
  </div>
</section>
</main>
</body>
</html>
`;

// Plain DOM and textContent only: room names are user input and never become HTML.
export const SCRIPT = `const KEY = 'signaling-admin-secret';
const LABELS = ${JSON.stringify(REFUSAL_LABELS)};
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
  rows($('refusals'), refusals.length
    ? refusals.map(([code, count]) => [LABELS[code] ?? code, count])
    : [['Nothing refused', 0]]);
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
