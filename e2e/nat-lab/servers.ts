// The lab's "internet" servers: coturn on its public address (UDP and TCP on 3478, TLS on 443
// with a certificate made for the run) and the production build on the web address.
import { execFile, spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Started, stop, waitForOutput } from '../servers.ts';
import { PUBLIC } from './network.ts';

const run = promisify(execFile);

/** The TURN URLs a scenario can offer: coturn over UDP, TCP, and TLS on 443. */
export const TURN = {
  udp: `turn:${PUBLIC.turn}:3478?transport=udp`,
  tcp: `turn:${PUBLIC.turn}:3478?transport=tcp`,
  tls: `turns:${PUBLIC.turn}:443?transport=tcp`,
} as const;

/** STUN from the same coturn. */
export const STUN = `stun:${PUBLIC.turn}:3478`;

/** The port the app listens on: the one port the 443-only home can reach. */
const WEB_PORT = 443;

/** The app's address as the homes' browsers reach it. */
export const WEB_ORIGIN = `http://${PUBLIC.web}:${WEB_PORT}`;

/** The lab's coturn, and the SHA-256 of its certificate's public key (base64, for Chromium). */
export interface LabCoturn extends Started {
  spki: string;
}

/**
 * Starts coturn inside `inet` with a self-signed certificate for its address (made here with
 * `openssl req -x509`), relaying from its public address. Resolves once it serves.
 */
export async function startLabCoturn(inet: string, secret: string): Promise<LabCoturn> {
  const dir = await mkdtemp(join(tmpdir(), 'nat-lab-coturn-'));
  const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=turn.nat-lab.test',
    '-addext',
    `subjectAltName=IP:${PUBLIC.turn}`,
    '-keyout',
    key,
    '-out',
    cert,
  ]);
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      inet,
      'turnserver',
      '-n',
      `--listening-ip=${PUBLIC.turn}`,
      `--relay-ip=${PUBLIC.turn}`,
      '--listening-port=3478',
      '--tls-listening-port=443',
      `--cert=${cert}`,
      `--pkey=${key}`,
      '--min-port=49152',
      '--max-port=65535',
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=nat-lab',
      '--no-cli',
      '--no-dtls',
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--db=${join(dir, 'turndb')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForOutput(child, /Total General servers/, 'coturn (turnserver) in the NAT lab');
  const publicKey = new X509Certificate(await readFile(cert)).publicKey;
  const spki = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  return {
    port: 3478,
    spki,
    async stop(signal) {
      await stop(child, signal);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Starts the production build inside `inet` on {@link WEB_ORIGIN} with `env` (its settings). */
export async function startLabApp(inet: string, env: Record<string, string>): Promise<Started> {
  const main = fileURLToPath(new URL('../../dist/server/cli/main.js', import.meta.url));
  if (!existsSync(main)) {
    throw new Error(`[nat-lab] ${main} is missing: run \`npm run build\` first`);
  }
  const child = spawn('ip', ['netns', 'exec', inet, process.execPath, main], {
    env: { ...process.env, ...env, PORT: String(WEB_PORT), HOST: PUBLIC.web },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitForOutput(child, /serving .* on http/, 'the production server in the NAT lab');
  return { port: WEB_PORT, stop: (signal) => stop(child, signal) };
}
