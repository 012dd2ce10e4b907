/**
 * What a TURN credential costs: `IceIssuer.issue` on its own, and one allocation (the 401
 * challenge, then the authenticated Allocate) against a real coturn on loopback with the
 * README's hardening flags. `npx tsx server/bench/turn-allocate.ts` (needs `turnserver`).
 */
import { startCoturn } from '../../e2e/servers.ts';
import { IceIssuer } from '../core/ice.ts';
import { TurnClient } from '../test/turn-client.ts';

const RUNS = 30;
const ISSUES = 10_000;
const secret = 'bench-secret-0123456789abcdef';
const issuer = new IceIssuer({
  turnUrls: ['turn:127.0.0.1:3478'],
  turnSecret: secret,
  turnPerAddress: { burst: ISSUES, perSecond: 1 },
});

const coturn = await startCoturn(secret, { hardened: true });
const times: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const [server] = issuer.issue('127.0.0.1', 'bench', `member-${run}`).servers;
    const client = new TurnClient(
      { host: '127.0.0.1', port: coturn.port },
      { username: server?.username ?? '', credential: server?.credential ?? '' },
    );
    const started = performance.now();
    const answer = await client.allocate();
    times.push(performance.now() - started);
    await client.refresh(0);
    client.close();
    if (!answer.ok) throw new Error(`[bench] allocation refused: ${answer.code} ${answer.reason}`);
  }
} finally {
  await coturn.stop();
}
times.sort((a, b) => a - b);
const started = performance.now();
for (let index = 0; index < ISSUES; index++)
  issuer.issue(`10.0.0.${index % 250}`, 'bench', `m${index}`);
const issueUs = ((performance.now() - started) / ISSUES) * 1000;
console.log(
  `[bench] allocation: median ${times[RUNS >> 1]?.toFixed(2)} ms, worst ${times.at(-1)?.toFixed(2)} ms (${RUNS} runs); issue: ${issueUs.toFixed(1)} µs (${ISSUES} calls)`,
);
