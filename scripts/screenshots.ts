// Screenshots of the join screen for the docs, from a running app (`npm run dev` or
// `npm start`): `npx tsx scripts/screenshots.ts [base URL] [out dir]`. Seats members with
// socket.io-client where a shot needs company or a lock, and uses Chromium's fake devices.
import { io } from 'socket.io-client';
import type { JoinOptions } from '../server/protocol/index.ts';
import { launchChromium, previewPlaying } from './screenshot-kit.ts';

const base = process.argv[2] ?? 'http://localhost:5173';
const out = process.argv[3] ?? 'docs';
const stamp = Date.now().toString(36);

/** A member seated in `room` from Node, with the given join options. */
async function seat(room: string, options: JoinOptions) {
  const socket = io(base, { transports: ['websocket'] });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const seated = new Promise<void>((resolve) => socket.once('created', () => resolve()));
  socket.emit('create or join', room, options);
  await seated;
  return socket;
}

const browser = await launchChromium();

/** Opens the join screen of `room` at `width`×`height`, waits for it to settle, and shoots. */
async function shoot(room: string, width: number, height: number, file: string, ready: string) {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(`${base}/${room}`);
  await page.locator('join-screen').getByLabel('Your name').fill('Grace Hopper');
  await previewPlaying(page);
  await page.locator('join-screen .presence').filter({ hasText: ready }).waitFor();
  await page.locator('join-screen').getByLabel('Your name').blur();
  await page.screenshot({ path: `${out}/${file}` });
  console.log(`${out}/${file}`);
  await page.close();
}

await shoot(`standup-${stamp}`, 1280, 800, 'join-screen-1280.png', 'No one else');
await shoot(`standup-${stamp}`, 390, 844, 'join-screen-390.png', 'No one else');
const ada = await seat(`design-${stamp}`, { name: 'Ada Lovelace' });
await shoot(`design-${stamp}`, 1280, 800, 'join-screen-company-1280.png', 'Ada Lovelace');
const locked = await seat(`board-${stamp}`, { name: 'Ada Lovelace', pin: '271828' });
await shoot(`board-${stamp}`, 390, 844, 'join-screen-locked-390.png', 'locked');
ada.disconnect();
locked.disconnect();
await browser.close();
