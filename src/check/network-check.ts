import { io } from 'socket.io-client';
import type { IceServer, RequestAck } from '../../server/protocol/index.ts';
import { explainMediaError } from '../media-errors.ts';
import type { SignalingClientSocket } from '../signaling-types.ts';

/** The steps of the pre-call check, in the order they are shown. */
export const STEPS = [
  ['signaling', 'Signaling server'],
  ['stun', 'STUN: your public address'],
  ['turn-udp', 'TURN relay over UDP'],
  ['turn-tcp', 'TURN relay over TCP'],
  ['turn-tls', 'TURN relay over TLS'],
  ['media', 'Camera and microphone'],
] as const;

export type StepId = (typeof STEPS)[number][0];

/** One step's result: passed, failed, or not run (with why), how long it took, in words. */
export interface StepResult {
  id: StepId;
  verdict: 'ok' | 'failed' | 'skipped';
  ms: number;
  detail: string;
}

/** The whole check's verdict on the network, in plain words. */
export interface CheckSummary {
  level: 'ok' | 'warn' | 'fail';
  text: string;
}

/** How long a step waits for an answer: a blocked port answers nothing. */
export const STEP_TIMEOUT_MS = 6000;

type Transport = 'udp' | 'tcp' | 'tls';

/**
 * Runs the check: the signaling server (reached, its round trip, and the ICE servers it hands
 * a seat), then STUN and TURN over UDP, TCP and TLS at once, each gathering candidates of its
 * own with the server's credential, then the camera and microphone. Calls `step` as each
 * result comes; resolves with the summary. Never rejects.
 */
export async function runCheck(step: (result: StepResult) => void): Promise<CheckSummary> {
  const results = new Map<StepId, StepResult>();
  const report = (result: StepResult) => {
    results.set(result.id, result);
    step(result);
  };
  const servers = await checkSignaling(report);
  await Promise.all([
    timed('stun', report, () => checkStun(servers)),
    ...(['udp', 'tcp', 'tls'] as const).map((transport) =>
      timed(`turn-${transport}`, report, () => checkTurn(servers, transport)),
    ),
  ]);
  await timed('media', report, checkMedia);
  return summarize(results);
}

/** What a step found: its verdict and words (the time is measured around it). */
type Found = Omit<StepResult, 'id' | 'ms'>;

async function timed(id: StepId, report: (result: StepResult) => void, run: () => Promise<Found>) {
  const started = performance.now();
  const found = await run().catch(
    (error: unknown): Found => ({ verdict: 'failed', detail: String(error) }),
  );
  report({ id, ms: Math.round(performance.now() - started), ...found });
}

/**
 * Connects a socket of its own, takes a seat in a throwaway room to be handed the ICE servers
 * (only a seat earns a TURN credential), and leaves at once; the round trip is the leave's.
 * Returns the ICE servers, or null when there are none to test with.
 */
async function checkSignaling(report: (result: StepResult) => void): Promise<IceServer[] | null> {
  const started = performance.now();
  const finish = (verdict: StepResult['verdict'], detail: string) =>
    report({ id: 'signaling', verdict, detail, ms: Math.round(performance.now() - started) });
  const socket: SignalingClientSocket = io({
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    reconnection: false,
    timeout: STEP_TIMEOUT_MS,
    forceNew: true,
  });
  try {
    const reached = await new Promise<string | null>((resolve) => {
      socket.once('connect', () => resolve(null));
      socket.once('connect_error', (error) => resolve(error.message));
    });
    if (reached !== null) {
      finish('failed', `Cannot reach it: ${reached}. No call can start from here.`);
      return null;
    }
    let servers: IceServer[] | null = null;
    socket.on('ice:servers', (handed) => {
      servers = handed;
    });
    const ask = socket.timeout(STEP_TIMEOUT_MS) as unknown as {
      emitWithAck(event: string, ...args: unknown[]): Promise<RequestAck>;
    };
    // getRandomValues, not randomUUID: a LAN address over plain http is no secure context.
    const random = Array.from(crypto.getRandomValues(new Uint8Array(8)), (byte) =>
      byte.toString(16).padStart(2, '0'),
    );
    const room = `check-${random.join('')}`;
    const seat = await ask.emitWithAck('create or join', room);
    const leaving = performance.now();
    if ('data' in seat) await ask.emitWithAck('bye', room);
    const rtt = Math.round(performance.now() - leaving);
    const seated =
      'data' in seat
        ? `round trip ${rtt} ms`
        : `it refused a seat (${seat.error}), and hands ICE servers only with one`;
    finish('ok', `Reached over ${socket.io.engine.transport.name}; ${seated}.`);
    return servers;
  } catch (error) {
    finish('failed', `It stopped answering: ${String(error)}.`);
    return null;
  } finally {
    socket.disconnect();
  }
}

/** Gathers candidates with `config` until `wanted` finds one, gathering ends, or the timeout. */
function gather(
  config: RTCConfiguration,
  wanted: (candidate: RTCIceCandidate) => boolean,
): Promise<RTCIceCandidate | null> {
  const pc = new RTCPeerConnection(config);
  pc.createDataChannel('check');
  return new Promise((resolve) => {
    const done = (candidate: RTCIceCandidate | null) => {
      clearTimeout(timer);
      pc.onicecandidate = null;
      pc.close();
      resolve(candidate);
    };
    const timer = setTimeout(() => done(null), STEP_TIMEOUT_MS);
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate) done(null);
      else if (wanted(candidate)) done(candidate);
    };
    pc.createOffer()
      .then((offer) => pc.setLocalDescription(offer))
      .catch(() => done(null));
  });
}

/** Why STUN and TURN went untested: the signaling gave no ICE servers. */
const UNTESTED = 'No ICE servers to test with: the signaling server handed none.';

const urlsOf = (server: IceServer, test: (url: string) => boolean) => server.urls.filter(test);

/** STUN: a server-reflexive candidate, whose address is this network's public one. */
async function checkStun(servers: IceServer[] | null): Promise<Found> {
  const stun = (servers ?? []).flatMap((server) => urlsOf(server, (url) => url.startsWith('stun')));
  if (servers === null) return { verdict: 'skipped', detail: UNTESTED };
  if (stun.length === 0)
    return { verdict: 'skipped', detail: 'This server offers no STUN server.' };
  const found = await gather({ iceServers: [{ urls: stun }] }, (c) => c.type === 'srflx');
  return found
    ? { verdict: 'ok', detail: `The internet sees you as ${found.address}:${found.port}.` }
    : {
        verdict: 'failed',
        detail: `No answer within ${STEP_TIMEOUT_MS / 1000} s: UDP may be blocked.`,
      };
}

/** Which transport a TURN URL uses: `turns:` is TLS, `?transport=tcp` TCP, else UDP. */
export function transportOf(url: string): Transport | null {
  if (url.startsWith('turns:')) return 'tls';
  if (!url.startsWith('turn:')) return null;
  return /[?&]transport=tcp\b/.test(url) ? 'tcp' : 'udp';
}

/** TURN over `transport`: a relay candidate allocated with the server's credential. */
async function checkTurn(servers: IceServer[] | null, transport: Transport): Promise<Found> {
  if (servers === null) return { verdict: 'skipped', detail: UNTESTED };
  const turn = servers.flatMap((server) => {
    const urls = urlsOf(server, (url) => transportOf(url) === transport);
    return urls.length > 0 ? [{ ...server, urls }] : [];
  });
  const name = transport.toUpperCase();
  if (turn.length === 0) {
    return { verdict: 'skipped', detail: `This server offers no TURN over ${name}.` };
  }
  const found = await gather(
    { iceServers: turn, iceTransportPolicy: 'relay' },
    (candidate) => candidate.type === 'relay',
  );
  return found
    ? { verdict: 'ok', detail: `A relay was allocated over ${name}.` }
    : {
        verdict: 'failed',
        detail: `No relay within ${STEP_TIMEOUT_MS / 1000} s: ${name} to the TURN server seems blocked.`,
      };
}

/** The camera and microphone start (and are stopped at once). */
async function checkMedia(): Promise<Found> {
  if (!navigator.mediaDevices?.getUserMedia) {
    return { verdict: 'failed', detail: explainMediaError(new DOMException('', 'SecurityError')) };
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    for (const track of stream.getTracks()) track.stop();
    return { verdict: 'ok', detail: 'Both started (and were stopped again).' };
  } catch (error) {
    return { verdict: 'failed', detail: explainMediaError(error) };
  }
}

/** The network's verdict from the steps' results. */
export function summarize(results: ReadonlyMap<StepId, StepResult>): CheckSummary {
  const verdict = (id: StepId) => results.get(id)?.verdict ?? 'skipped';
  if (verdict('signaling') === 'failed') {
    return { level: 'fail', text: 'The signaling server cannot be reached: no call can start.' };
  }
  if (results.get('stun')?.detail === UNTESTED) {
    return {
      level: 'warn',
      text: 'The network was not tested: the signaling server handed out no ICE servers.',
    };
  }
  const ok = (id: StepId) => verdict(id) === 'ok';
  const failed = (id: StepId) => verdict(id) === 'failed';
  const relayOverTcp = ok('turn-tcp') || ok('turn-tls');
  const udpBlocked = failed('stun') && !ok('turn-udp');
  if (udpBlocked && relayOverTcp) {
    return {
      level: 'warn',
      text: `UDP blocked: calls go through the TURN relay over ${ok('turn-tcp') ? 'TCP' : 'TLS'}, with a little more delay.`,
    };
  }
  if (udpBlocked) {
    return { level: 'fail', text: 'UDP blocked and no relay reachable: calls will fail here.' };
  }
  const turn = ['turn-udp', 'turn-tcp', 'turn-tls'] as const;
  if (turn.every((id) => verdict(id) === 'skipped')) {
    return {
      level: 'warn',
      text: 'This server offers no relay: calls between strict NATs (symmetric, carrier-grade) may fail.',
    };
  }
  const problems = STEPS.filter(([id]) => failed(id) && id !== 'media');
  if (problems.length > 0) {
    return {
      level: 'warn',
      text: `Calls should connect; these did not pass: ${problems.map(([, name]) => name).join(', ')}.`,
    };
  }
  return { level: 'ok', text: 'All clear: calls should connect from this network.' };
}
