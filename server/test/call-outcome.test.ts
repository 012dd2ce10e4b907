import type { Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig } from '../cli/config.ts';
import type { AdminSnapshot } from '../http/admin.ts';
import type { SignalingOptions } from '../index.ts';
import type { CallOutcome, SignalingError } from '../protocol/index.ts';
import { once, startServer, type TestClient, type TestServer } from './helpers.ts';

// `call:outcome`: what clients report of their calls, as an operator reads it in /metrics and
// on the operator's page (docs/nat-traversal.md#call-outcomes).

let server: TestServer;
afterEach(async () => {
  await server.close();
});

async function setUp(options: SignalingOptions = {}) {
  server = await startServer({ clientLog: false, ...options });
}

const DIRECT: CallOutcome = {
  outcome: 'connected',
  setupMs: 420,
  pair: { local: 'host', remote: 'srflx', protocol: 'udp' },
  restarts: 0,
  ended: 'hang-up',
};
const RELAYED: CallOutcome = {
  outcome: 'connected',
  setupMs: 2600,
  pair: { local: 'relay', remote: 'srflx', protocol: 'tls' },
  restarts: 1,
  recovered: true,
  ended: 'peer-left',
};
const FAILED: CallOutcome = {
  outcome: 'failed',
  reason: 'no-relay',
  restarts: 3,
  recovered: false,
  ended: 'left',
};

/** Sends a report with an ack; the protocol's typed events declare no ack callbacks. */
function report(client: TestClient, value: unknown): Promise<unknown> {
  return (client as unknown as Socket).timeout(2000).emitWithAck('call:outcome', value);
}

/** The lines of /metrics, as a scraper gets them. */
async function scrape(): Promise<string[]> {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  return (await response.text()).split('\n');
}

/** The value of one sample of /metrics (`name{labels}`), 0 when absent. */
async function sample(series: string): Promise<number> {
  const line = (await scrape()).find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('call:outcome', () => {
  it('counts reports by outcome, pair type, setup time, restarts and ending in /metrics', async () => {
    await setUp();
    const client = await server.connect();
    for (const value of [DIRECT, RELAYED, FAILED]) {
      expect(await report(client, value)).toEqual({ data: null });
    }
    expect(await sample('signaling_call_outcomes_total{outcome="connected",reason="none"}')).toBe(
      2,
    );
    expect(await sample('signaling_call_outcomes_total{outcome="failed",reason="no-relay"}')).toBe(
      1,
    );
    expect(
      await sample('signaling_call_pairs_total{local="host",remote="srflx",protocol="udp"}'),
    ).toBe(1);
    expect(
      await sample('signaling_call_pairs_total{local="relay",remote="srflx",protocol="tls"}'),
    ).toBe(1);
    expect(await sample('signaling_call_setup_seconds_count')).toBe(2);
    expect(await sample('signaling_call_setup_seconds_bucket{le="0.5"}')).toBe(1);
    expect(await sample('signaling_call_setup_seconds_bucket{le="3"}')).toBe(2);
    expect(await sample('signaling_call_setup_seconds_sum')).toBeCloseTo(3.02);
    expect(await sample('signaling_call_ice_restarts_total')).toBe(4);
    expect(await sample('signaling_call_restarted_total{recovered="yes"}')).toBe(1);
    expect(await sample('signaling_call_restarted_total{recovered="no"}')).toBe(1);
    expect(await sample('signaling_call_endings_total{ended="peer-left"}')).toBe(1);
  });

  it('refuses a report of another shape with invalid-payload and counts nothing', async () => {
    await setUp();
    const client = await server.connect();
    const bad: [unknown, RegExp][] = [
      [{ ...DIRECT, address: '203.0.113.7' }, /nothing else/],
      [{ ...DIRECT, pair: { ...DIRECT.pair, ip: '203.0.113.7' } }, /nothing else/],
      [{ ...FAILED, reason: 'my own words' }, /`reason` must be one of no-relay/],
      [{ ...DIRECT, setupMs: -1 }, /cannot be negative/],
      [{ ...DIRECT, setupMs: undefined }, /a connected report is \{ outcome, setupMs/],
      [{ ...DIRECT, setupMs: 'fast' }, /`setupMs` must be a number/],
      [{ ...DIRECT, pair: { ...DIRECT.pair, local: 'relay-tcp' } }, /candidate type/],
      [{ ...DIRECT, restarts: 1.5 }, /whole number/],
      ['connected', /"connected" or "failed"/],
      [null, /"connected" or "failed"/],
    ];
    for (const [value, message] of bad) {
      const refused = once<[SignalingError]>(client, 'signaling:error');
      expect(await report(client, value)).toEqual({ error: 'invalid-payload' });
      const [error] = await refused;
      expect(error.event).toBe('call:outcome');
      expect(error.message).toMatch(message);
    }
    expect(await sample('signaling_call_outcomes_total{outcome="connected",reason="none"}')).toBe(
      0,
    );
    expect(await sample('signaling_call_setup_seconds_count')).toBe(0);
    expect(await sample('signaling_rejections_total{reason="invalid-payload"}')).toBe(bad.length);
    // The socket, and the room it may hold, carry on.
    expect(await report(client, DIRECT)).toEqual({ data: null });
  });

  it('counts at most the burst of reports from one address, across its sockets', async () => {
    await setUp({ callOutcomes: { perAddress: { burst: 3, perSecond: 0 } } });
    const first = await server.connect();
    const second = await server.connect();
    for (let i = 0; i < 3; i++) expect(await report(first, DIRECT)).toEqual({ data: null });
    const refused = once<[SignalingError]>(second, 'signaling:error');
    expect(await report(second, FAILED)).toEqual({ error: 'rate-limited' });
    expect((await refused)[0]).toMatchObject({ event: 'call:outcome', code: 'rate-limited' });
    expect(await sample('signaling_call_outcomes_total{outcome="connected",reason="none"}')).toBe(
      3,
    );
    expect(await sample('signaling_call_outcomes_total{outcome="failed",reason="no-relay"}')).toBe(
      0,
    );
    expect(server.handle.tracked().outcomeAddresses).toBe(1);
  });

  it('is refused as disabled, and nothing counted, when the operator turns reports off', async () => {
    await setUp({ callOutcomes: false });
    const client = await server.connect();
    const refused = once<[SignalingError]>(client, 'signaling:error');
    expect(await report(client, DIRECT)).toEqual({ error: 'disabled' });
    expect((await refused)[0].message).toBe('this server collects no call outcomes');
    expect(await sample('signaling_call_outcomes_total{outcome="connected",reason="none"}')).toBe(
      0,
    );
    expect(server.handle.tracked().outcomeAddresses).toBe(0);
  });

  it("is summed on the operator's page: failure and relayed shares, setup p50 and p95", async () => {
    const secret = 'operator-secret-of-24-bytes';
    await setUp({ adminSecret: secret });
    const client = await server.connect();
    for (const value of [DIRECT, DIRECT, RELAYED, FAILED]) await report(client, value);
    const response = await fetch(`${server.url}/_signaling/admin.json`, {
      headers: { Authorization: `Bearer ${secret}` },
    });
    const { calls } = (await response.json()) as AdminSnapshot;
    expect(calls).toMatchObject({ reported: 4, connected: 3, failed: 1, failedShare: 0.25 });
    expect(calls.relayedShare).toBeCloseTo(1 / 3);
    // Three setups: 0.42 s and 0.42 s in (0.25, 0.5], 2.6 s in (2, 3]; read as Prometheus does.
    expect(calls.setupP50Seconds).toBeCloseTo(0.25 + 0.25 * (1.5 / 2));
    expect(calls.setupP95Seconds).toBeCloseTo(2 + 1 * ((2.85 - 2) / 1));
  });
});

describe('the call-outcomes setting', () => {
  it('is on by default, off with SIGNALING_CALL_OUTCOMES=0, its limit from RATE_CALL_OUTCOME_*', () => {
    expect(readConfig({}).callOutcomes).toEqual({ perAddress: { burst: 20, perSecond: 0.2 } });
    expect(readConfig({ SIGNALING_CALL_OUTCOMES: '0' }).callOutcomes).toBe(false);
    expect(readConfig({ RATE_CALL_OUTCOME_BURST: '5' }).callOutcomes).toEqual({
      perAddress: { burst: 5, perSecond: 0.2 },
    });
  });
});
