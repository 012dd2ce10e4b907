import type { Browser, Page } from '@playwright/test';

/**
 * A man in the middle, for the tests only: what a lying signaling server can do, done by a
 * page. It joins room `left` and room `right` of our server as their second member, with a
 * peer connection of its own in each, and answers each side's offer with its own SDP: A (in
 * `left`) runs DTLS with the middle, and so does B (in `right`). It passes the chat across,
 * so A and B talk as in any call, and the safety code's nonce swap too, as it is (a middle
 * cannot choose its nonces to fit: it commits before it sees theirs). Nothing here is
 * shipped: e2e/ is outside the package.
 */
export interface MiddlePage {
  page: Page;
  /**
   * The current descriptions of the middle's connection with the `left` and `right` rooms, and
   * the nonce each side revealed (on the safety channel, id 2), empty before.
   */
  descriptions(): Promise<{ left: Sides; right: Sides }>;
  /** Closes the middle's context: both its connections and seats. */
  close(): Promise<void>;
}

/** One connection's current local and remote SDP, and the nonce its far end revealed. */
export interface Sides {
  local: string;
  remote: string;
  nonce: string;
}

/** The codelab's payloads, as the app sends them through `message`. */
type Payload =
  | { type: 'offer' | 'answer'; sdp: string }
  | { type: 'candidate'; label: number | null; id: string | null; candidate: string }
  | string;

/** socket.io-client as `/socket.io/socket.io.js` leaves it on the page, what the middle uses of it. */
interface SocketLike {
  emit(event: string, ...args: unknown[]): void;
  on(event: string, listener: (payload: Payload) => void): void;
}

/** Runs in the page: the two connections, their signaling, and the chat and safety bridges. */
function bridge(rooms: { left: string; right: string }): void {
  const io = (window as unknown as { io(options: object): SocketLike }).io;
  const side = (room: string) => {
    // One engine.io connection per room: the server seats a socket in one room only.
    const socket = io({ forceNew: true });
    const pc = new RTCPeerConnection();
    // The app's chat and safety channels: negotiated (ids 0 and 2), so they exist on both ends
    // whoever offers.
    const chat = pc.createDataChannel('chat', { negotiated: true, id: 0 });
    const safety = pc.createDataChannel('safety', { negotiated: true, id: 2 });
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate?.candidate) return;
      const { sdpMLineIndex: label, sdpMid: id } = candidate;
      socket.emit('message', { type: 'candidate', label, id, candidate: candidate.candidate });
    };
    // In arrival order, so a candidate never overtakes its offer.
    let inbox = Promise.resolve();
    const handle = async (payload: Payload) => {
      if (typeof payload === 'string' || payload.type === 'answer') return;
      if (payload.type === 'candidate') {
        const { candidate, label: sdpMLineIndex, id: sdpMid } = payload;
        await pc.addIceCandidate({ candidate, sdpMLineIndex, sdpMid });
        return;
      }
      await pc.setRemoteDescription(payload);
      await pc.setLocalDescription();
      socket.emit('message', { type: 'answer', sdp: pc.localDescription?.sdp });
    };
    socket.on('message', (payload) => {
      inbox = inbox.then(() => handle(payload)).catch(() => {});
    });
    socket.emit('create or join', room);
    return { pc, chat, safety, nonce: '' };
  };
  const left = side(rooms.left);
  const right = side(rooms.right);
  const pass = (from: RTCDataChannel, to: RTCDataChannel) => {
    from.onmessage = ({ data }) => {
      if (to.readyState === 'open') to.send(data);
    };
  };
  pass(left.chat, right.chat);
  pass(right.chat, left.chat);
  for (const [from, to] of [
    [left, right],
    [right, left],
  ] as const) {
    from.safety.onmessage = ({ data }) => {
      const reveal = (JSON.parse(data) as { reveal?: string }).reveal;
      if (reveal) from.nonce = reveal;
      // One side's connection may open well before the other's: hold its messages till then.
      if (to.safety.readyState === 'open') to.safety.send(data);
      else to.safety.addEventListener('open', () => to.safety.send(data), { once: true });
    };
  }
  const sides = ({ pc, nonce }: { pc: RTCPeerConnection; nonce: string }) => ({
    local: pc.currentLocalDescription?.sdp ?? '',
    remote: pc.currentRemoteDescription?.sdp ?? '',
    nonce,
  });
  (window as unknown as { middle: unknown }).middle = {
    descriptions: () => ({ left: sides(left), right: sides(right) }),
  };
}

/**
 * Opens the middle in a context of its own at the app server's origin (a blank page the test
 * serves, with the server's own `/socket.io/socket.io.js`) and seats it in `left` and `right`.
 * Join A and B first: the middle is each room's second member, so A and B offer.
 */
export async function openMiddle(
  browser: Browser,
  rooms: { left: string; right: string },
): Promise<MiddlePage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.route('**/middle.html', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<!DOCTYPE html><title>middle</title><script src="/socket.io/socket.io.js"></script>',
    }),
  );
  await page.goto('/middle.html');
  await page.evaluate(bridge, rooms);
  return {
    page,
    descriptions: () =>
      page.evaluate(() =>
        (
          window as unknown as { middle: { descriptions(): { left: Sides; right: Sides } } }
        ).middle.descriptions(),
      ),
    close: () => context.close(),
  };
}
