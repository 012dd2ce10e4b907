import { expect, type Locator, type Page as PlaywrightPage } from '@playwright/test';
import type { ElementHandle, Page as PuppeteerPage } from 'puppeteer-core';
import { RoomTab } from './fixtures.ts';

// The one tab helper of the call, whatever the room's size: `CallTab` (Playwright's Chromium,
// by role and text) and `PeerTab` (Chromium or Firefox alike, from a snapshot of the page).

/** How a safety code looks: three groups of four digits. */
export const SAFETY_CODE = /^\d{4} \d{4} \d{4}$/;

/** A tab of the app in a call of two or more, located by role and text. */
export class CallTab extends RoomTab {
  readonly status = this.page.getByRole('status', { name: 'call status' });
  readonly chatInput = this.page.getByLabel('Chat message', { exact: true });
  readonly sendButton = this.page.getByRole('button', { name: 'Send', exact: true });
  readonly chat = this.page.getByRole('log', { name: 'Chat messages' });
  readonly hangUpButton = this.page.getByRole('button', { name: 'Hang up' });
  readonly startCallButton = this.page.getByRole('button', { name: 'Start call' });
  /** The control bar's camera toggle: it starts the camera and microphone when neither is on. */
  readonly startCameraButton = this.page.getByRole('button', { name: 'Camera', exact: true });
  readonly microphoneButton = this.page.getByRole('button', { name: 'Microphone', exact: true });
  /** The tiles of the other members, one per link. */
  readonly remoteTiles = this.page.getByRole('group', { name: /^Member (?!Me$)/ });
  readonly remoteVideos = this.page.getByLabel(/^Video of (?!Me$)/);
  /** The first remote member's video: the other member's, in a room of two. */
  readonly remoteVideo = this.remoteVideos.first();
  readonly pairType = this.page.getByLabel('candidate pair type');
  readonly pairAddresses = this.page.getByLabel('candidate addresses');
  readonly joinToOpen = this.page.getByLabel('join to open');
  readonly videoBytes = this.page.getByLabel('video bytes received');
  readonly timeline = this.page.getByRole('list', { name: 'Signaling timeline' });
  /** The first remote member's safety code: the other member's, in a room of two. */
  readonly safetyCode = this.page.getByLabel(/^safety code of /).first();

  /**
   * Waits until a call of two is connected and the chat can send. After a reload or a hang-up
   * on the other side this tab may still show its old call for a moment: prove the new one
   * with a chat line that crosses.
   */
  async expectChatOpen() {
    await expect(this.status).toHaveText('Call connected.');
    await expect(this.sendButton).toBeEnabled();
  }

  /** Waits until this tab is connected with `count` other members (a group call). */
  async expectLinks(count: number) {
    const words =
      count === 1 ? 'Connected with the other member' : `Connected with all ${count} others`;
    await expect(this.status).toContainText(words, { timeout: 30_000 });
  }

  /** The tile of the remote member named `name`. */
  tile(name: string): Locator {
    return this.page.getByRole('group', { name: `Member ${name}`, exact: true });
  }

  /** The safety code of the member named `name`. */
  safetyCodeOf(name: string): Locator {
    return this.page.getByLabel(`safety code of ${name}`, { exact: true });
  }

  /** Waits until the call shows a safety code, and returns it. */
  async shownSafetyCode(): Promise<string> {
    await expect(this.safetyCode).toHaveText(SAFETY_CODE);
    return (await this.safetyCode.textContent()) ?? '';
  }

  /** The names of the other members, as their tiles show them. */
  async peerNames(): Promise<string[]> {
    const labels = await this.remoteTiles.evaluateAll((tiles) =>
      tiles.map((tile) => tile.getAttribute('aria-label') ?? ''),
    );
    return labels.map((label) => label.replace(/^Member /, ''));
  }

  async say(text: string) {
    await this.chatInput.fill(text);
    await this.sendButton.click();
  }

  /** Starts the camera and microphone from the control bar (a tab that skipped the join screen). */
  async startCamera() {
    await this.startCameraButton.click();
    // getUserMedia of the fake camera takes seconds on a loaded machine.
    await expect(this.startCameraButton).toHaveAttribute('aria-pressed', 'true', {
      timeout: 60_000,
    });
  }

  /** Picks `file` (bytes named `name`, or a path) and sends it to every member. */
  async sendFile(name: string, file: Buffer | string) {
    const send = this.page.getByRole('button', { name: 'Send file' });
    await expect(send).toBeEnabled();
    await this.page
      .getByLabel('File to send')
      .setInputFiles(
        typeof file === 'string'
          ? file
          : { name, mimeType: 'application/octet-stream', buffer: file },
      );
    await send.click();
  }

  /** Waits until `name` has arrived whole (from one member), with the sender's SHA-256. */
  async expectFile(name: string, size: string, sha256: string) {
    const arrived = this.page.getByRole('listitem', { name: `receive ${name}` });
    await expect(arrived).toContainText(`received: ${size} of ${size}`, { timeout: 60_000 });
    await expect(arrived.getByTestId('sha256')).toHaveText(sha256);
    await expect(arrived).toContainText('verified');
    await expect(arrived.getByRole('link', { name: `Save ${name}` })).toBeVisible();
  }

  /** The video bytes received, as the connection panel shows them. */
  async videoBytesReceived(): Promise<number> {
    return Number.parseInt((await this.videoBytes.textContent()) ?? '0', 10);
  }

  /** The first remote video's intrinsic width: above 0 once a decoded frame has arrived. */
  async remoteVideoWidth(): Promise<number> {
    return this.remoteVideo.evaluate((video) => (video as HTMLVideoElement).videoWidth);
  }

  /** Waits until `count` remote videos (or more) show decoded frames. */
  async expectVideoFrom(count: number) {
    await expect
      .poll(
        () =>
          this.remoteVideos.evaluateAll(
            (videos) => videos.filter((video) => (video as HTMLVideoElement).videoWidth > 0).length,
          ),
        { timeout: 60_000 },
      )
      .toBeGreaterThanOrEqual(count);
  }

  /**
   * The visible elements, shadow roots included, that reach past the window's right edge or
   * make the page scroll sideways: a layout that does not fit the width.
   */
  async overflowing(): Promise<string[]> {
    return this.page.evaluate(() => {
      const found: string[] = [];
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > width) found.push('the page scrolls sideways');
      const walk = (root: Document | ShadowRoot) => {
        for (const element of root.querySelectorAll('*')) {
          const box = element.getBoundingClientRect();
          if (box.width > 0 && box.height > 0 && (box.right > width + 0.5 || box.left < -0.5)) {
            found.push(`<${element.localName}> ${Math.round(box.left)}..${Math.round(box.right)}`);
          }
          if (element.shadowRoot) walk(element.shadowRoot);
        }
      };
      walk(document);
      return found;
    });
  }
}

/** The browsers a call spec can open a tab in. */
export type Engine = 'chromium' | 'firefox';

/** What a spec reads of a tab: the room, the call, the chat and the connection panel. */
export interface TabSnapshot {
  members: string;
  status: string;
  sendEnabled: boolean;
  /** Chat lines as shown, e.g. `Them:hello`. */
  chat: string[];
  joinToOpenMs: number | null;
  iceState: string;
  connectionState: string;
  /** `host ↔ host` once a pair is selected, `–` before. */
  pairType: string;
  /** `address:port udp ↔ address:port udp` once a pair is selected, `–` before. */
  addresses: string;
  /** The charts' latest values as their labels say them: `RTT 0.4`, `in 812.3, out 790.1`. */
  rtt: string;
  bitrate: string;
  videoBytes: number;
  remoteVideoWidth: number;
  /** The signaling timeline's rows, whitespace collapsed. */
  timeline: string[];
  /** The (first) safety code, `–` before the first answer, empty outside a call. */
  safetyCode: string;
  /** What the page says in alerts: why a call failed, a media error. */
  alerts: string[];
  /** The connection panel's `ICE restarts`: `2 of at most 3`. */
  restarts: string;
  /** Every video shown (not hidden), by whose it is (`Me` for this tab's own), and its size. */
  videos: { of: string; width: number; height: number }[];
  /** The file transfers as listed: `receive x.bin from abcd: ← x.bin ... received: ...`. */
  transfers: string[];
}

/**
 * Reads a {@link TabSnapshot} inside the page. It runs in either browser as it is, so it
 * walks open shadow roots by hand (Playwright's locators would, puppeteer's page has none).
 */
function readTab(): TabSnapshot {
  const elements: Element[] = [];
  const walk = (root: Document | ShadowRoot) => {
    for (const element of root.querySelectorAll('*')) {
      elements.push(element);
      if (element.shadowRoot) walk(element.shadowRoot);
    }
  };
  walk(document);
  const text = (element: Element | undefined) =>
    (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
  const labelled = (label: string) =>
    elements.find((element) => element.getAttribute('aria-label') === label);
  const chart = (caption: string) =>
    (
      elements
        .find((element) => element.getAttribute('aria-label')?.startsWith(`${caption}: `))
        ?.getAttribute('aria-label') ?? ''
    )
      .slice(caption.length + 2)
      .replace(/ (ms|kbit\/s)/g, '');
  const send = elements.find(
    (element): element is HTMLButtonElement =>
      element instanceof HTMLButtonElement && text(element) === 'Send',
  );
  const labelledFrom = (prefix: string, not?: string) =>
    elements.find((element) => {
      const label = element.getAttribute('aria-label') ?? '';
      return label.startsWith(prefix) && label !== not;
    });
  const video = labelledFrom('Video of ', 'Video of Me');
  const joinToOpen = Number.parseInt(text(labelled('join to open')), 10);
  return {
    members: text(labelled('members present')),
    status: text(labelled('call status')),
    sendEnabled: send ? !send.disabled : false,
    chat: [...(labelled('Chat messages')?.querySelectorAll('li') ?? [])].map(text),
    joinToOpenMs: Number.isNaN(joinToOpen) ? null : joinToOpen,
    iceState: text(labelled('ICE state')),
    connectionState: text(labelled('peer connection state')),
    pairType: text(labelled('candidate pair type')),
    addresses: text(labelled('candidate addresses')),
    rtt: chart('Round-trip time'),
    bitrate: chart('Bitrate'),
    videoBytes: Number.parseInt(text(labelled('video bytes received')), 10) || 0,
    remoteVideoWidth: video instanceof HTMLVideoElement ? video.videoWidth : 0,
    timeline: [...(labelled('Signaling timeline')?.querySelectorAll('li') ?? [])].map(text),
    videos: elements.flatMap((element) => {
      const label = element.getAttribute('aria-label') ?? '';
      if (!(element instanceof HTMLVideoElement) || !label.startsWith('Video of ')) return [];
      if (element.hidden) return [];
      const { videoWidth: width, videoHeight: height } = element;
      return [{ of: label.slice('Video of '.length), width, height }];
    }),
    transfers: [...(labelled('File transfers')?.querySelectorAll('li') ?? [])].map(
      (li) => `${li.getAttribute('aria-label')}: ${text(li)}`,
    ),
    safetyCode: text(labelledFrom('safety code of ')),
    alerts: elements.filter((element) => element.getAttribute('role') === 'alert').map(text),
    restarts: text(labelled('ICE restarts')),
  };
}

/**
 * Finds, inside the page, the first element that `match` accepts, across open shadow roots: a
 * button by its accessible name (`aria-label`, else its text), or an element by `aria-label`.
 * Only elements on screen count: a closed panel's copy of a control is not the one to use.
 */
function findDeep(match: { button?: string; label?: string }): Element | null {
  const shown = (element: Element) =>
    typeof element.checkVisibility !== 'function' || element.checkVisibility();
  const visit = (root: Document | ShadowRoot): Element | null => {
    for (const element of root.querySelectorAll('*')) {
      const name =
        element.getAttribute('aria-label') ??
        (element.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (
        match.button !== undefined &&
        element.tagName === 'BUTTON' &&
        name === match.button &&
        shown(element)
      )
        return element;
      if (
        match.label !== undefined &&
        element.getAttribute('aria-label') === match.label &&
        shown(element)
      )
        return element;
      const inner = element.shadowRoot ? visit(element.shadowRoot) : null;
      if (inner) return inner;
    }
    return null;
  };
  return visit(document);
}

/** Runs in the page: puts a made-up file on the file input, submits it, returns its SHA-256. */
async function pickAndSend({ name, size }: { name: string; size: number }): Promise<string> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 2654435761) >>> 24;
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const find = (root: Document | ShadowRoot): HTMLInputElement | null => {
    for (const element of root.querySelectorAll('*')) {
      if (element instanceof HTMLInputElement && element.type === 'file') return element;
      const inner = element.shadowRoot ? find(element.shadowRoot) : null;
      if (inner) return inner;
    }
    return null;
  };
  const input = find(document);
  if (!input || input.disabled) throw new Error('[e2e] no file input ready to send');
  const picked = new DataTransfer();
  picked.items.add(new File([bytes], name));
  input.files = picked.files;
  input.form?.requestSubmit();
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The few things a spec does with a page, whichever browser drives it. */
interface Driver {
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  click(button: string): Promise<void>;
  type(label: string, text: string): Promise<void>;
  reload(): Promise<void>;
}

function playwrightDriver(page: PlaywrightPage): Driver {
  return {
    evaluate: <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) =>
      page.evaluate(fn as (arg: unknown) => R | Promise<R>, arg),
    click: (button) => page.getByRole('button', { name: button, exact: true }).click(),
    type: (label, text) => page.getByLabel(label, { exact: true }).fill(text),
    reload: async () => {
      await page.reload();
    },
  };
}

function puppeteerDriver(page: PuppeteerPage): Driver {
  const element = async (match: { button?: string; label?: string }) => {
    const handle = (await page.evaluateHandle(findDeep, match)).asElement();
    if (!handle) throw new Error(`[e2e] Firefox: nothing matches ${JSON.stringify(match)}`);
    return handle as ElementHandle<HTMLElement>;
  };
  return {
    evaluate: (fn, arg) => page.evaluate(fn as (arg: unknown) => never, arg),
    click: async (button) => {
      await (await element({ button })).click();
    },
    type: async (label, text) => {
      const input = await element({ label });
      await input.evaluate((node) => {
        (node as HTMLInputElement).value = '';
      });
      await input.type(text);
    },
    reload: async () => {
      await page.reload();
    },
  };
}

/**
 * A tab of the app in Chromium (Playwright) or Firefox (puppeteer-core over WebDriver BiDi),
 * driven the same way: specs read {@link snapshot} in `expect.poll` and act by button name.
 */
export class PeerTab {
  readonly #driver: Driver;

  constructor(
    readonly engine: Engine,
    readonly page: PlaywrightPage | PuppeteerPage,
  ) {
    this.#driver =
      engine === 'chromium'
        ? playwrightDriver(page as PlaywrightPage)
        : puppeteerDriver(page as PuppeteerPage);
  }

  /** What the tab shows now. */
  snapshot(): Promise<TabSnapshot> {
    return this.#driver.evaluate(readTab, undefined);
  }

  /** Runs `fn` in the page. */
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    return this.#driver.evaluate(fn, arg);
  }

  /** Clicks the button named `name`. */
  click(name: string): Promise<void> {
    return this.#driver.click(name);
  }

  /** Sends a chat line (the chat must be open). */
  async say(text: string): Promise<void> {
    await this.#driver.type('Chat message', text);
    await this.#driver.click('Send');
  }

  /**
   * Sends a file of `size` pseudo-random bytes named `name` from this tab (to every member),
   * picked by the page itself (a DataTransfer on the file input); returns its SHA-256.
   */
  async sendFile(name: string, size: number): Promise<string> {
    return this.#driver.evaluate(pickAndSend, { name, size });
  }

  reload(): Promise<void> {
    return this.#driver.reload();
  }

  toString(): string {
    return this.engine;
  }
}
