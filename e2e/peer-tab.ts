import type { Page as PlaywrightPage } from '@playwright/test';
import type { ElementHandle, Page as PuppeteerPage } from 'puppeteer-core';

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
  /** The call's safety code, `–` before the first answer, empty outside a call. */
  safetyCode: string;
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
  const video = labelled('Remote video');
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
    safetyCode: text(labelled('safety code')),
  };
}

/** Finds, inside the page, the first element that `match` accepts, across open shadow roots. */
function findDeep(match: { button?: string; label?: string }): Element | null {
  const visit = (root: Document | ShadowRoot): Element | null => {
    for (const element of root.querySelectorAll('*')) {
      const name = (element.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (match.button !== undefined && element.tagName === 'BUTTON' && name === match.button)
        return element;
      if (match.label !== undefined && element.getAttribute('aria-label') === match.label)
        return element;
      const inner = element.shadowRoot ? visit(element.shadowRoot) : null;
      if (inner) return inner;
    }
    return null;
  };
  return visit(document);
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

  reload(): Promise<void> {
    return this.#driver.reload();
  }

  toString(): string {
    return this.engine;
  }
}
