import type { Page } from '@playwright/test';
import { expect, test, WAIT } from './fixtures.ts';

/**
 * A page of the codelab's step 04, unchanged in what matters: it loads the Socket.IO client
 * from the server itself, calls `io.connect()`, and asks for a room. What it hears is kept in
 * `window.heard` so the test can read it.
 */
function codelabPage(room: string): string {
  return `<!DOCTYPE html>
<html><head><title>Realtime communication with WebRTC</title></head>
<body><h1>Realtime communication with WebRTC</h1>
<script src="/socket.io/socket.io.js"></script>
<script>
'use strict';
window.heard = [];
var socket = io.connect();
socket.emit('create or join', ${JSON.stringify(room)});
// The codelab's handlers, with the parameters they declare.
socket.on('created', function (room, clientId) { window.heard.push('created ' + room); });
socket.on('join', function (room) { window.heard.push('join ' + room); });
socket.on('joined', function (room, clientId) { window.heard.push('joined ' + room); });
socket.on('ready', function () { window.heard.push('ready'); });
socket.on('full', function (room) { window.heard.push('full ' + room); });
socket.on('bye', function (room) { window.heard.push('bye ' + room); });
socket.on('message', function (message) { window.heard.push('message ' + JSON.stringify(message)); });
window.sendMessage = function (message) { socket.emit('message', message); };
</script></body></html>`;
}

async function openCodelab(page: Page, room: string) {
  // Any page of the server gives the codelab page its origin; then its own HTML runs there.
  await page.goto('/socket.io/socket.io.js');
  await page.setContent(codelabPage(room));
}

const heard = (page: Page) => page.evaluate(() => (window as unknown as { heard: string[] }).heard);

test('a codelab step-04 page works unchanged: created, join/joined, ready, full, message', async ({
  browser,
  room,
}) => {
  const context = await browser.newContext();
  const [first, second, third] = [
    await context.newPage(),
    await context.newPage(),
    await context.newPage(),
  ];
  await openCodelab(first, room);
  await expect.poll(() => heard(first)).toEqual([`created ${room}`]);
  await openCodelab(second, room);
  await expect.poll(() => heard(second)).toEqual([`joined ${room}`, 'ready']);
  await expect.poll(() => heard(first)).toEqual([`created ${room}`, `join ${room}`, 'ready']);
  await openCodelab(third, room);
  await expect.poll(() => heard(third)).toEqual([`full ${room}`]);

  await first.evaluate(() =>
    (window as unknown as { sendMessage(m: unknown): void }).sendMessage('got user media'),
  );
  await expect.poll(() => heard(second)).toContain('message "got user media"');
  await second.evaluate(() =>
    (window as unknown as { sendMessage(m: unknown): void }).sendMessage({
      type: 'offer',
      sdp: 'v=0',
    }),
  );
  await expect.poll(() => heard(first)).toContain('message {"type":"offer","sdp":"v=0"}');
  expect(await heard(third)).toEqual([`full ${room}`]);

  await second.close();
  await expect.poll(() => heard(first), { timeout: WAIT.peerLeft }).toContain(`bye ${room}`);
  await context.close();
});
