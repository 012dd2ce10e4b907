/**
 * The safety code of a call: a short number both people see, the same on both screens only
 * when their two browsers hold the two ends of one DTLS connection. A signaling server that
 * answers each side with SDP of its own (a man in the middle) makes each browser accept a
 * certificate of the attacker's, and the two codes then differ. See docs/security.md, "The
 * safety code".
 *
 * The fingerprints come from the descriptions (`a=fingerprint`), not from `getStats`:
 * Chromium reports `certificate` stats, Firefox does not, and the browser itself refuses a
 * DTLS peer whose certificate does not match the remote description's fingerprint.
 *
 * Fingerprints alone would make a weak short code: the middle sees both real fingerprints
 * before it picks its own two certificates, so it could try pairs until both sides' codes
 * agree, needing about the square root of the codes' number (a birthday search). Each side
 * therefore also draws a random nonce and the two sides swap them over the connection itself,
 * each committing to its nonce (its SHA-256) before seeing the other's, as ZRTP does: by the
 * time the middle learns a nonce, it has committed to everything it controls.
 */

/** Tells this derivation apart from any other hash of the same inputs. */
const CONTEXT = 'webrtc-rooms safety code 2';
const GROUPS = 3;
const DIGITS_PER_GROUP = 4;
/** The negotiated data channel of the nonce exchange (the chat is 0, files 1). */
const CHANNEL_ID = 2;
const NONCE_BYTES = 32;

const FINGERPRINT = /^a=fingerprint:(\S+) +([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+) *$/;
const HEX_64 = /^[0-9a-f]{64}$/;

/** One side of a connection as the code sees it: its description and its nonce (hex). */
export interface CodeSide {
  sdp: string;
  nonce: string;
}

/** What the two sides send each other on the safety channel, in this order. */
export type SafetyMessage = { commit: string } | { reveal: string };

/**
 * The DTLS certificate fingerprints a description declares, as `sha-256 AB:CD:…` (hash
 * function in lower case, digest in upper case), sorted and without repeats. A media section
 * with fingerprints of its own uses those; one without uses the session-level ones (RFC 8122,
 * section 5). Several fingerprints (of several hash functions) are all kept.
 */
export function fingerprintsOf(sdp: string): string[] {
  const session: string[] = [];
  const media: string[][] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) {
      media.push([]);
      continue;
    }
    const match = FINGERPRINT.exec(line);
    if (!match?.[1] || !match[2]) continue;
    const fingerprint = `${match[1].toLowerCase()} ${match[2].toUpperCase()}`;
    (media.at(-1) ?? session).push(fingerprint);
  }
  const used =
    media.length === 0 ? session : media.flatMap((own) => (own.length > 0 ? own : session));
  return [...new Set(used)].sort();
}

/**
 * The safety code of a peer connection: SHA-256 over each side's fingerprints and nonce, the
 * two sides in sorted order so that both browsers of a call get the same code, shown as three
 * groups of four digits. Null when either description declares no fingerprint.
 */
export async function safetyCode(local: CodeSide, remote: CodeSide): Promise<string | null> {
  const sides = [local, remote].map(({ sdp, nonce }) => {
    const fingerprints = fingerprintsOf(sdp);
    return fingerprints.length > 0 ? `${fingerprints.join(',')} ${nonce}` : null;
  });
  if (sides.includes(null)) return null;
  const input = [CONTEXT, ...sides.sort()].join('\n');
  const hash = new DataView(await sha256(new TextEncoder().encode(input)));
  const groups: string[] = [];
  for (let index = 0; index < GROUPS; index++) {
    // 32 bits per group of 10,000 values: the modulo bias is under 1 in 400,000.
    const value = hash.getUint32(index * 4) % 10 ** DIGITS_PER_GROUP;
    groups.push(String(value).padStart(DIGITS_PER_GROUP, '0'));
  }
  return groups.join(' ');
}

/** The SHA-256 of a nonce, in hex: what a side sends first, to commit to it. */
export async function commitmentOf(nonce: string): Promise<string> {
  return hex(await sha256(new TextEncoder().encode(nonce)));
}

/** A message of the safety channel, or null for anything else. */
export function parseSafetyMessage(data: unknown): SafetyMessage | null {
  if (typeof data !== 'string' || data.length > 200) return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { commit, reveal } = value as { commit?: unknown; reveal?: unknown };
  if (typeof commit === 'string' && HEX_64.test(commit)) return { commit };
  if (typeof reveal === 'string' && HEX_64.test(reveal)) return { reveal };
  return null;
}

/**
 * One side of the nonce swap: {@link start} sends the commitment (the SHA-256 of its nonce),
 * and {@link receive} takes the other side's messages in order: their commitment (answered
 * with our nonce: only now, since theirs can no longer be chosen to fit it), then their nonce,
 * kept only if it matches the commitment. Anything out of order or repeated is ignored.
 */
export class NonceSwap {
  /** This side's nonce, in hex. */
  readonly own = randomNonce();
  /** The other side's nonce once it came and matched its commitment. */
  theirs: string | null = null;
  #theirCommit: string | null = null;
  readonly #send: (message: SafetyMessage) => void;

  constructor(send: (message: SafetyMessage) => void) {
    this.#send = send;
  }

  /** Sends this side's commitment: once, before anything else. */
  async start(): Promise<void> {
    this.#send({ commit: await commitmentOf(this.own) });
  }

  /** Takes a message of the other side; resolves true when it completed the swap. */
  async receive(message: SafetyMessage | null): Promise<boolean> {
    if (!message || this.theirs !== null) return false;
    if ('commit' in message) {
      if (this.#theirCommit !== null) return false;
      this.#theirCommit = message.commit;
      this.#send({ reveal: this.own });
      return false;
    }
    if (this.#theirCommit === null) return false;
    if ((await commitmentOf(message.reveal)) !== this.#theirCommit) return false;
    this.theirs = message.reveal;
    return true;
  }
}

/**
 * Keeps `show` told the safety code of `pc`. It opens the negotiated `safety` channel (id 2)
 * and runs a {@link NonceSwap} over it when it opens. The code is then computed again each
 * time the signaling returns to `stable` (a renegotiation, an ICE restart), from the
 * descriptions then in effect. It is null until the swap is done, and for good once a
 * fingerprint differs from those the nonces were swapped under (a new certificate mid-call:
 * the nonces prove nothing of it), or without WebCrypto (it needs a secure context). A code
 * finished after a newer one, or after the connection closed, is dropped.
 */
export function watchSafetyCode(pc: RTCPeerConnection, show: (code: string | null) => void): void {
  const channel = pc.createDataChannel('safety', { negotiated: true, id: CHANNEL_ID });
  if (!globalThis.crypto?.subtle) return;
  const swap = new NonceSwap((message) => {
    if (channel.readyState === 'open') channel.send(JSON.stringify(message));
  });
  /** The fingerprints in effect when the swap completed, and whether they ever changed since. */
  let swappedUnder: string | null = null;
  let changed = false;
  let asked = 0;
  const isClosed = () => pc.signalingState === 'closed';
  const fingerprintsNow = () =>
    [pc.currentLocalDescription?.sdp ?? '', pc.currentRemoteDescription?.sdp ?? '']
      .map((sdp) => fingerprintsOf(sdp).join(','))
      .join(' ');

  const refresh = async () => {
    if (pc.signalingState !== 'stable') return;
    const run = ++asked;
    const local = pc.currentLocalDescription?.sdp;
    const remote = pc.currentRemoteDescription?.sdp;
    let code: string | null = null;
    if (swappedUnder !== null && swappedUnder !== fingerprintsNow()) changed = true;
    if (swap.theirs && local && remote && !changed) {
      code = await safetyCode(
        { sdp: local, nonce: swap.own },
        { sdp: remote, nonce: swap.theirs },
      ).catch(() => null);
    }
    if (run === asked && !isClosed()) show(code);
  };

  // One step at a time, so our commitment always leaves before anything answers theirs.
  let steps: Promise<void> = Promise.resolve();
  const queue = (step: () => Promise<void>) => {
    steps = steps.then(step).catch(() => {});
  };
  channel.onopen = () => queue(() => swap.start());
  channel.onmessage = ({ data }) =>
    queue(async () => {
      if (!(await swap.receive(parseSafetyMessage(data)))) return;
      swappedUnder = fingerprintsNow();
      await refresh();
    });
  // A listener, not `onsignalingstatechange`: the peer keeps that one for itself.
  pc.addEventListener('signalingstatechange', () => void refresh());
}

function randomNonce(): string {
  return hex(crypto.getRandomValues(new Uint8Array(NONCE_BYTES)).buffer);
}

function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', bytes);
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, '0')).join('');
}
