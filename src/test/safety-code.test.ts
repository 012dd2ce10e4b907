import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  commitmentOf,
  fingerprintsOf,
  NonceSwap,
  parseSafetyMessage,
  type SafetyMessage,
  safetyCode,
} from '../safety-code.ts';

const FP_A =
  '4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:5D:44:3C:8E:7D:2E:56:D3:B3:FE:D9:5D';
const FP_B =
  '0F:74:31:25:CB:A2:13:EC:28:6F:6D:2C:61:FF:5D:C2:BC:B9:DB:3D:98:14:38:1E:AF:42:DF:B6:7E:FF:C2:77';
const FP_M =
  'D1:9C:55:0E:8B:34:6A:77:20:F3:AA:01:BE:42:C9:5D:17:8E:63:04:FA:2B:90:C6:3D:58:E1:7A:0B:94:26:1F';
const SHA1_A = '79:0F:5A:02:C4:91:3B:E8:6D:77:12:0A:B5:3C:EE:41:98:2F:D0:66';

/** An offer as Chromium writes it: each media section carries its own fingerprint. */
function chromiumSdp(fingerprint: string): string {
  return [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0 1',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:Pq3x',
    `a=fingerprint:sha-256 ${fingerprint}`,
    'a=setup:actpass',
    'a=mid:0',
    'a=sctp-port:5000',
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    'c=IN IP4 0.0.0.0',
    `a=fingerprint:sha-256 ${fingerprint}`,
    'a=setup:actpass',
    'a=mid:1',
    '',
  ].join('\r\n');
}

/** An answer as Firefox writes it: one fingerprint at session level, none in the sections. */
function firefoxSdp(fingerprint: string): string {
  return [
    'v=0',
    'o=mozilla...THIS_IS_SDPARTA-115.0 6120427196376186462 0 IN IP4 0.0.0.0',
    's=-',
    't=0 0',
    `a=fingerprint:sha-256 ${fingerprint}`,
    'a=group:BUNDLE 0 1',
    'a=ice-options:trickle',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=mid:0',
    'a=setup:active',
    'm=video 9 UDP/TLS/RTP/SAVPF 120',
    'c=IN IP4 0.0.0.0',
    'a=mid:1',
    '',
  ].join('\r\n');
}

describe('fingerprints of a description', () => {
  it('reads media-level fingerprints once, whatever the number of sections', () => {
    expect(fingerprintsOf(chromiumSdp(FP_A))).toEqual([`sha-256 ${FP_A}`]);
  });

  it('reads a session-level fingerprint for the sections that have none', () => {
    expect(fingerprintsOf(firefoxSdp(FP_B))).toEqual([`sha-256 ${FP_B}`]);
  });

  it('lets a media section override the session-level fingerprint', () => {
    const sdp = [
      'v=0',
      `a=fingerprint:sha-256 ${FP_A}`,
      'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
      `a=fingerprint:sha-256 ${FP_M}`,
      '',
    ].join('\r\n');
    expect(fingerprintsOf(sdp)).toEqual([`sha-256 ${FP_M}`]);
  });

  it('keeps every fingerprint of a section, of several hash functions, sorted', () => {
    const sdp = [
      'v=0',
      'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
      `a=fingerprint:SHA-256 ${FP_A.toLowerCase()}`,
      `a=fingerprint:sha-1 ${SHA1_A}`,
      '',
    ].join('\n');
    expect(fingerprintsOf(sdp)).toEqual([`sha-1 ${SHA1_A}`, `sha-256 ${FP_A}`]);
  });

  it('reads a session-level fingerprint of a description without media sections', () => {
    expect(fingerprintsOf(`v=0\r\na=fingerprint:sha-256 ${FP_A}\r\n`)).toEqual([`sha-256 ${FP_A}`]);
  });

  it('ignores lines that are no fingerprint', () => {
    const sdp = [
      'v=0',
      'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
      'a=fingerprint:sha-256',
      'a=fingerprint:sha-256 not-hex',
      `a=fingerprints:sha-256 ${FP_A}`,
      '',
    ].join('\r\n');
    expect(fingerprintsOf(sdp)).toEqual([]);
  });
});

const NONCE_A = 'a1'.repeat(32);
const NONCE_B = 'b2'.repeat(32);
const NONCE_C = 'c3'.repeat(32);

/** A side of a call: its description and its nonce. */
const side = (sdp: string, nonce: string) => ({ sdp, nonce });

describe('the safety code', () => {
  const alice = side(chromiumSdp(FP_A), NONCE_A);
  const bob = side(firefoxSdp(FP_B), NONCE_B);

  it('is three groups of four digits', async () => {
    expect(await safetyCode(alice, bob)).toMatch(/^\d{4} \d{4} \d{4}$/);
  });

  it('is SHA-256 of the context line and the two sorted sides, as docs/security.md says', async () => {
    // Another implementation (a native app in the same call) must get the same digits.
    const input = [
      'webrtc-rooms safety code 2',
      `sha-256 ${FP_B} ${NONCE_B}`,
      `sha-256 ${FP_A} ${NONCE_A}`,
    ].join('\n');
    const hash = createHash('sha256').update(input).digest();
    const groups = [0, 4, 8].map((at) => String(hash.readUInt32BE(at) % 10_000).padStart(4, '0'));
    expect(await safetyCode(alice, bob)).toBe(groups.join(' '));
  });

  it('is the same on both sides of a call: local and remote in either order', async () => {
    expect(await safetyCode(alice, bob)).toBe(await safetyCode(bob, alice));
  });

  it('depends on the fingerprints, not on how each browser writes them', async () => {
    expect(
      await safetyCode(side(chromiumSdp(FP_A), NONCE_A), side(chromiumSdp(FP_B), NONCE_B)),
    ).toBe(await safetyCode(side(firefoxSdp(FP_B), NONCE_B), side(firefoxSdp(FP_A), NONCE_A)));
  });

  it('differs on the two sides of a man in the middle, even with the same nonces', async () => {
    // A talks to M's certificate, and M talks to B with the same certificate, passing the
    // nonces through: still two codes.
    const middle = chromiumSdp(FP_M);
    const aSees = await safetyCode(alice, side(middle, NONCE_B));
    const bSees = await safetyCode(bob, side(middle, NONCE_A));
    const honest = await safetyCode(alice, bob);
    expect(new Set([aSees, bSees, honest]).size).toBe(3);
  });

  it('changes when any one fingerprint changes, including a second one', async () => {
    const withSha1 = chromiumSdp(FP_A).replace(
      'a=mid:0',
      `a=fingerprint:sha-1 ${SHA1_A}\r\na=mid:0`,
    );
    const base = await safetyCode(alice, bob);
    expect(await safetyCode(side(withSha1, NONCE_A), bob)).not.toBe(base);
  });

  it('changes with either nonce, and does not let the two sides swap nonces', async () => {
    const base = await safetyCode(alice, bob);
    expect(await safetyCode(alice, side(bob.sdp, NONCE_C))).not.toBe(base);
    expect(await safetyCode(side(alice.sdp, NONCE_B), side(bob.sdp, NONCE_A))).not.toBe(base);
  });

  it('is null when a description declares no fingerprint', async () => {
    expect(await safetyCode(alice, side('v=0\r\ns=-\r\n', NONCE_B))).toBeNull();
  });
});

/** Two swaps wired to each other, each message delivered in order, as over a data channel. */
function wiredPair() {
  const inboxes: { a: SafetyMessage[]; b: SafetyMessage[] } = { a: [], b: [] };
  const a = new NonceSwap((message) => inboxes.b.push(message));
  const b = new NonceSwap((message) => inboxes.a.push(message));
  const deliver = async () => {
    while (inboxes.a.length > 0 || inboxes.b.length > 0) {
      const forA = inboxes.a.shift();
      if (forA) await a.receive(forA);
      const forB = inboxes.b.shift();
      if (forB) await b.receive(forB);
    }
  };
  return { a, b, deliver };
}

describe('the nonce swap', () => {
  it('gives each side the other nonce', async () => {
    const { a, b, deliver } = wiredPair();
    await a.start();
    await b.start();
    await deliver();
    expect(a.theirs).toBe(b.own);
    expect(b.theirs).toBe(a.own);
    expect(a.own).toMatch(/^[0-9a-f]{64}$/);
    expect(a.own).not.toBe(b.own);
  });

  it('keeps its nonce until it holds the other side’s commitment', async () => {
    const sent: SafetyMessage[] = [];
    const swap = new NonceSwap((message) => sent.push(message));
    await swap.start();
    expect(sent).toEqual([{ commit: await commitmentOf(swap.own) }]);
    // A nonce that comes first (no commitment to hold it to) is not taken, and ours stays.
    await swap.receive({ reveal: NONCE_C });
    expect(swap.theirs).toBeNull();
    expect(sent).toHaveLength(1);
    await swap.receive({ commit: await commitmentOf(NONCE_C) });
    expect(sent).toEqual([{ commit: await commitmentOf(swap.own) }, { reveal: swap.own }]);
  });

  it('refuses a nonce that does not match the commitment, and a second commitment', async () => {
    const swap = new NonceSwap(() => {});
    await swap.start();
    await swap.receive({ commit: await commitmentOf(NONCE_A) });
    await swap.receive({ commit: await commitmentOf(NONCE_B) });
    expect(await swap.receive({ reveal: NONCE_B })).toBe(false);
    expect(swap.theirs).toBeNull();
    expect(await swap.receive({ reveal: NONCE_A })).toBe(true);
    expect(swap.theirs).toBe(NONCE_A);
  });

  it('reads only well-formed messages of the channel', () => {
    expect(parseSafetyMessage(JSON.stringify({ commit: NONCE_A }))).toEqual({ commit: NONCE_A });
    expect(parseSafetyMessage(JSON.stringify({ reveal: NONCE_B }))).toEqual({ reveal: NONCE_B });
    for (const bad of [
      '{"commit":"ABC"}',
      `{"reveal":"${NONCE_A.toUpperCase()}"}`,
      'not json',
      'null',
      JSON.stringify({ other: NONCE_A }),
      new ArrayBuffer(8),
    ]) {
      expect(parseSafetyMessage(bad)).toBeNull();
    }
  });
});
