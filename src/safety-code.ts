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
 */

/** Tells this derivation apart from any other hash of the same fingerprints. */
const CONTEXT = 'webrtc-rooms safety code 1';
const GROUPS = 4;
const DIGITS_PER_GROUP = 4;

const FINGERPRINT = /^a=fingerprint:(\S+) +([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+) *$/;

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
 * The safety code of a peer connection from its local and remote descriptions: SHA-256 over
 * both sides' fingerprints, the two sides in sorted order so that both browsers of a call get
 * the same code, shown as four groups of four digits (about 53 bits). Null when either
 * description declares no fingerprint.
 */
export async function safetyCode(localSdp: string, remoteSdp: string): Promise<string | null> {
  const local = fingerprintsOf(localSdp);
  const remote = fingerprintsOf(remoteSdp);
  if (local.length === 0 || remote.length === 0) return null;
  const sides = [local.join(','), remote.join(',')].sort();
  const input = new TextEncoder().encode([CONTEXT, ...sides].join('\n'));
  const hash = new DataView(await crypto.subtle.digest('SHA-256', input));
  const groups: string[] = [];
  for (let index = 0; index < GROUPS; index++) {
    // 32 bits per group of 10,000 values: the modulo bias is under 1 in 400,000.
    const value = hash.getUint32(index * 4) % 10 ** DIGITS_PER_GROUP;
    groups.push(String(value).padStart(DIGITS_PER_GROUP, '0'));
  }
  return groups.join(' ');
}

/**
 * Keeps `show` told the safety code of `pc`: computed again each time its signaling returns to
 * `stable` (the end of every offer and answer: the first one, a renegotiation, an ICE restart),
 * from the descriptions then in effect. Null until the first answer, and when the code cannot
 * be computed (WebCrypto needs a secure context). A code finished after a newer one was asked
 * for, or after the connection closed, is dropped.
 */
export function watchSafetyCode(pc: RTCPeerConnection, show: (code: string | null) => void): void {
  let asked = 0;
  const isClosed = () => pc.signalingState === 'closed';
  const refresh = async () => {
    if (pc.signalingState !== 'stable') return;
    const run = ++asked;
    const local = pc.currentLocalDescription?.sdp;
    const remote = pc.currentRemoteDescription?.sdp;
    let code: string | null = null;
    try {
      if (local && remote && globalThis.crypto?.subtle) code = await safetyCode(local, remote);
    } catch {
      code = null;
    }
    if (run === asked && !isClosed()) show(code);
  };
  // A listener, not `onsignalingstatechange`: the call and the mesh keep that one for themselves.
  pc.addEventListener('signalingstatechange', () => void refresh());
}
