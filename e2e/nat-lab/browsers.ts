// Browsers inside a home's namespace. Chromium: Playwright launches a wrapper that runs it
// under `ip netns exec`, and drives it over the pipe it inherits, which crosses namespaces.
// Firefox: puppeteer talks WebDriver BiDi over a TCP port inside the namespace, which a
// forwarder here relays to (one `ip netns exec` pipe per connection).
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import puppeteer from 'puppeteer-core';
import { findChromium } from '../browser.mjs';
import { type Engine, PeerTab } from '../call-tab.ts';
import { findFirefox } from '../firefox-browser.mjs';
import { freePort } from '../servers.ts';
import { recordPeers } from './peers.ts';

/** A browser open on one page in a home, and how to close it. */
export interface LabBrowser {
  tab: PeerTab;
  close(): Promise<void>;
}

/** Writes a script that runs `executable` with its arguments inside `ns`. */
async function wrapper(ns: string, executable: string): Promise<{ path: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'nat-lab-browser-'));
  const path = join(dir, 'in-namespace.sh');
  await writeFile(path, `#!/bin/sh\nexec ip netns exec '${ns}' '${executable}' "$@"\n`);
  await chmod(path, 0o755);
  return { path, dir };
}

/** Chromium in `ns`, on `url`, its peer connections recorded (see {@link recordPeers}). */
async function openChromium(ns: string, url: string, args: string[]): Promise<LabBrowser> {
  const found = findChromium();
  const executable = found?.executablePath ?? chromium.executablePath();
  const script = await wrapper(ns, executable);
  const cleanUp = () => rm(script.dir, { recursive: true, force: true });
  const launch = () =>
    chromium.launch({
      executablePath: script.path,
      args: ['--disable-background-networking', '--disable-component-update', ...args],
    });
  return launched(cleanUp, launch, async (browser, close) => {
    const page = await browser.newPage();
    await page.addInitScript(recordPeers);
    await page.goto(url);
    return { tab: new PeerTab('chromium', page), close };
  });
}

/**
 * Launches a browser (running `cleanUp` if it cannot start), then `open`s its page; if that
 * fails, closes the browser and cleans up before passing the error on.
 */
async function launched<B extends { close(): Promise<void> }>(
  cleanUp: () => Promise<void>,
  launch: () => Promise<B>,
  open: (browser: B, close: () => Promise<void>) => Promise<LabBrowser>,
): Promise<LabBrowser> {
  const browser = await launch().catch(async (error) => {
    await cleanUp();
    throw error;
  });
  const close = async () => {
    await browser.close();
    await cleanUp();
  };
  try {
    return await open(browser, close);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/**
 * Listens on `port` of this machine's loopback and pipes each connection to the same port on
 * `ns`'s own loopback, through a small node process run there.
 */
async function forward(ns: string, port: number): Promise<Server> {
  const relay = `const s=require('net').connect(${port},'127.0.0.1');process.stdin.pipe(s).pipe(process.stdout);s.on('error',()=>process.exit(1))`;
  const server = createServer((socket) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', relay], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    socket.pipe(child.stdin);
    child.stdout.pipe(socket);
    socket.on('close', () => child.kill());
    socket.on('error', () => child.kill());
    child.on('exit', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/** Firefox in `ns` through puppeteer-core, on `url`, its peer connections recorded. */
async function openFirefox(ns: string, url: string): Promise<LabBrowser> {
  const executable = findFirefox();
  if (!executable) throw new Error('[nat-lab] no Firefox: run `npm run provision`');
  const script = await wrapper(ns, executable);
  // Firefox prints ws://127.0.0.1:<port>: the same port here reaches it through the forwarder.
  const port = await freePort();
  const forwarder = await forward(ns, port);
  const cleanUp = async () => {
    forwarder.close();
    await rm(script.dir, { recursive: true, force: true });
  };
  const launch = () =>
    puppeteer.launch({
      browser: 'firefox',
      executablePath: script.path,
      debuggingPort: port,
      headless: true,
    });
  return launched(cleanUp, launch, async (browser, close) => {
    const page = await browser.newPage();
    await page.evaluateOnNewDocument(recordPeers);
    await page.goto(url);
    return { tab: new PeerTab('firefox', page), close };
  });
}

/** Opens `url` in `engine` inside the home namespace `ns`. */
export function openInHome(
  engine: Engine,
  ns: string,
  url: string,
  chromiumArgs: string[] = [],
): Promise<LabBrowser> {
  return engine === 'chromium' ? openChromium(ns, url, chromiumArgs) : openFirefox(ns, url);
}
