import { describe, expect, it } from 'vitest';
import { type OutcomeFacts, outcomeOf, reportedPair } from '../call-outcome.ts';

const NEVER: OutcomeFacts = {
  setupMs: null,
  pair: undefined,
  restarts: 0,
  connectedSinceRestart: false,
  reason: undefined,
  iceFailed: null,
};

describe('outcomeOf', () => {
  it('reports a connected call with its setup, pair and ending, and no restart fields unasked', () => {
    const pair = { local: 'host', remote: 'prflx', protocol: 'udp' } as const;
    expect(outcomeOf({ ...NEVER, setupMs: 431.6, pair }, 'hang-up')).toEqual({
      outcome: 'connected',
      setupMs: 432,
      pair,
      restarts: 0,
      ended: 'hang-up',
    });
  });

  it('says whether a restarted call came back', () => {
    const facts = { ...NEVER, setupMs: 500, restarts: 2 };
    expect(outcomeOf({ ...facts, connectedSinceRestart: true }, 'left')).toMatchObject({
      restarts: 2,
      recovered: true,
    });
    expect(outcomeOf(facts, 'left')).toMatchObject({ restarts: 2, recovered: false });
  });

  it("gives the call model's reason for a failure, else what ICE showed when it failed", () => {
    const failed = (facts: Partial<OutcomeFacts>, ended: 'left' | 'peer-left' = 'left') =>
      outcomeOf({ ...NEVER, ...facts }, ended);
    expect(failed({ reason: 'relay-unreachable' })).toMatchObject({ reason: 'relay-unreachable' });
    const ice = (turnOffered: boolean, relayAllocated: boolean) =>
      failed({ iceFailed: { turnOffered, relayAllocated } });
    expect(ice(false, false)).toMatchObject({ outcome: 'failed', reason: 'no-relay' });
    expect(ice(true, false)).toMatchObject({ reason: 'relay-unreachable' });
    expect(ice(true, true)).toMatchObject({ reason: 'ice-failed' });
    expect(failed({}, 'peer-left')).toMatchObject({ reason: 'peer-left' });
    expect(failed({})).toEqual({
      outcome: 'failed',
      reason: 'abandoned',
      restarts: 0,
      ended: 'left',
    });
  });
});

describe('reportedPair', () => {
  it('keeps the types and protocol only, and drops what is not of the fixed sets', () => {
    const pair = {
      localType: 'relay',
      remoteType: 'srflx',
      protocol: 'tls',
      local: '198.51.100.7:50000 udp via TURN/tls',
      remote: '203.0.113.9:40000 udp',
    };
    expect(reportedPair(pair)).toEqual({ local: 'relay', remote: 'srflx', protocol: 'tls' });
    expect(reportedPair({ ...pair, localType: '?' })).toBeUndefined();
    expect(reportedPair(null)).toBeUndefined();
  });
});
