import { describe, expect, it } from 'vitest';
import { type StepId, type StepResult, summarize, transportOf } from '../check/network-check.ts';

/** A check's results from each step's verdict. */
function results(verdicts: Partial<Record<StepId, StepResult['verdict']>>) {
  return new Map(
    Object.entries(verdicts).map(([id, verdict]) => [
      id as StepId,
      { id: id as StepId, verdict, ms: 1, detail: '' },
    ]),
  );
}

const ALL_OK = {
  signaling: 'ok',
  stun: 'ok',
  'turn-udp': 'ok',
  'turn-tcp': 'ok',
  'turn-tls': 'ok',
  media: 'ok',
} as const;

describe('the check summary', () => {
  it('is all clear when every step passed', () => {
    expect(summarize(results(ALL_OK))).toEqual({
      level: 'ok',
      text: 'All clear: calls should connect from this network.',
    });
  });

  it('says UDP is blocked when STUN and TURN over UDP failed and TCP or TLS relays', () => {
    const blocked = { ...ALL_OK, stun: 'failed', 'turn-udp': 'failed' } as const;
    expect(summarize(results(blocked)).text).toMatch(/^UDP blocked: .* over TCP/);
    expect(summarize(results({ ...blocked, 'turn-tcp': 'failed' })).text).toMatch(/over TLS/);
    expect(
      summarize(results({ ...blocked, 'turn-tcp': 'failed', 'turn-tls': 'failed' })),
    ).toMatchObject({ level: 'fail', text: /no relay reachable/ });
  });

  it('fails without the signaling server, and warns without any relay offered', () => {
    expect(summarize(results({ ...ALL_OK, signaling: 'failed' })).level).toBe('fail');
    const noTurn = {
      ...ALL_OK,
      'turn-udp': 'skipped',
      'turn-tcp': 'skipped',
      'turn-tls': 'skipped',
    } as const;
    expect(summarize(results(noTurn)).text).toMatch(/^This server offers no relay/);
  });

  it('names the network steps that did not pass, and leaves the camera to its own row', () => {
    const summary = summarize(results({ ...ALL_OK, 'turn-tls': 'failed', media: 'failed' }));
    expect(summary).toEqual({
      level: 'warn',
      text: 'Calls should connect; these did not pass: TURN relay over TLS.',
    });
  });
});

describe('transportOf', () => {
  it('reads TLS from turns:, TCP from ?transport=tcp, else UDP; STUN is none', () => {
    expect(transportOf('turns:turn.example.org:443?transport=tcp')).toBe('tls');
    expect(transportOf('turn:turn.example.org:3478?transport=tcp')).toBe('tcp');
    expect(transportOf('turn:turn.example.org:3478?transport=udp')).toBe('udp');
    expect(transportOf('turn:turn.example.org:3478')).toBe('udp');
    expect(transportOf('stun:turn.example.org:3478')).toBeNull();
  });
});
