import type { Browser, Page } from '@playwright/test';

/**
 * A man in the middle, for the tests only: what a lying signaling server can do, done by a
 * page. It joins room `left` and room `right` of our server as their second member, with a
 * peer connection of its own in each, and answers each side's offer with its own SDP: A (in
 * `left`) runs DTLS with the middle, and so does B (in `right`). It passes the chat across,
 * so A and B talk as in any call. Nothing here is shipped: e2e/ is outside the package.
 */
export interface MiddlePage {
  page: Page;
  /** The current descriptions of the middle's connection with the `left` and `right` rooms. */
  descriptions(): Promise<{ left: Sides; right: Sides }>;
  /** Closes the middle's context: both its connections and seats. */
  close(): Promise<void>;
}

/** One connection's current local and remote SDP, empty before the first answer. */
export interface Sides {
  local: string;
  remote: string;
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

/** Runs in the page: the two connections, their signaling, and the chat bridge between them. */
function bridge(rooms: { left: string; right: string }): void {
  const io = (window as unknown as { io(options: object): SocketLike }).io;
  const side = (room: string) => {
    // One engine.io connection per room: the server seats a socket in one room only.
    const socket = io({ forceNew: true });
    const pc = new RTCPeerConnection();
    // The app's chat: negotiated with id 0, so it exists on both ends whoever offers.
    const chat = pc.createDataChannel('chat', { negotiated: true, id: 0 });
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
    return { pc, chat };
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
  const sides = (pc: RTCPeerConnection) => ({
    local: pc.currentLocalDescription?.sdp ?? '',
    remote: pc.currentRemoteDescription?.sdp ?? '',
  });
  (window as unknown as { middle: unknown }).middle = {
    descriptions: () => ({ left: sides(left.pc), right: sides(right.pc) }),
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
