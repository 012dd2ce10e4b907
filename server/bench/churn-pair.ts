/**
 * The churn benchmark's pair: two light raw Socket.IO clients in one room, bouncing messages
 * through the server under test, whose relays are what the churn is measured against.
 */
import WebSocket from 'ws';

const IN_FLIGHT = 32;

/**
 * One raw Socket.IO client over a websocket (Engine.IO v4 and Socket.IO v5 frames written by
 * hand, no socket.io-client): the load process shares its core with the churn, and a light
 * client keeps the pair's relays limited by the server, not by its own CPU. `onEvent` gets each
 * event's name and the frame it came in; pings are answered.
 */
function rawClient(url: string, onEvent: (name: string, frame: string) => void) {
  return new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
    });
    ws.once('error', reject);
    ws.on('message', (data) => {
      const frame = String(data);
      if (frame === '2') ws.send('3');
      else if (frame.startsWith('0{')) ws.send('40');
      else if (frame.startsWith('40')) resolve(ws);
      else if (frame.startsWith('42["')) onEvent(frame.slice(4, frame.indexOf('"', 4)), frame);
    });
  });
}

const PING = '42["message","ping"]';
const PONG = '42["message","pong"]';

/**
 * Two clients seated in one room, bouncing {@link IN_FLIGHT} messages between them: enough that
 * the relays, not the churn, make most of the server's work in phase C.
 */
export async function startPair(url: string) {
  let relays = 0;
  let running = false;
  const seen = new Map<string, () => void>();
  const waitFor = (name: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`[bench] the pair got no ${name}`)), 10_000);
      seen.set(name, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  const on = (reply: string) => (name: string) => {
    if (name !== 'message') return seen.get(name)?.();
    relays++;
    if (running) sockets.get(reply)?.send(reply);
  };
  const sockets = new Map<string, WebSocket>();
  const alice = await rawClient(url, on(PING));
  const bob = await rawClient(url, on(PONG));
  sockets.set(PING, alice).set(PONG, bob);
  const created = waitFor('created');
  alice.send('42["create or join","bench-pair"]');
  await created;
  const ready = waitFor('ready');
  bob.send('42["create or join","bench-pair"]');
  await ready;
  return {
    /** Bounces for `ms`; resolves with the relays done then. */
    async run(ms: number): Promise<number> {
      relays = 0;
      running = true;
      for (let index = 0; index < IN_FLIGHT; index++) alice.send(PING);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running = false;
      // The messages still in flight land (and count) before the phase ends.
      await new Promise((resolve) => setTimeout(resolve, 200));
      return relays;
    },
    /** Leaves as socket.io-client's `disconnect()` does: namespace first, so no seat is held. */
    close() {
      for (const ws of [alice, bob]) {
        ws.send('41');
        ws.close();
      }
    },
  };
}
