import { expect } from '@playwright/test';
import { RoomTab } from './fixtures.ts';

/** A tab of a group call, located by role and text. */
export class MeshTab extends RoomTab {
  readonly status = this.page.getByRole('status', { name: 'group call status' });
  readonly chat = this.page.getByRole('log', { name: 'Chat messages' });
  readonly remoteVideos = this.page.getByLabel(/^Video of (?!Me$)/);
  /** The tiles of the other members, one per member this tab has a link for. */
  readonly remoteTiles = this.page.getByRole('group', { name: /^Member (?!Me$)/ });

  /** The short names of the other members, as their tiles show them. */
  async peerNames(): Promise<string[]> {
    const labels = await this.page
      .getByRole('group', { name: /^Member / })
      .evaluateAll((tiles) => tiles.map((tile) => tile.getAttribute('aria-label') ?? ''));
    return labels.map((label) => label.replace(/^Member /, '')).filter((name) => name !== 'Me');
  }

  /** The safety code on the tile of the member named `name`. */
  safetyCode(name: string) {
    return this.page.getByLabel(`safety code of ${name}`, { exact: true });
  }

  /** Waits until this tab has `count` links open, one per other member. */
  async expectLinks(count: number) {
    await expect(this.status).toContainText(`${count} of ${count} links open`, {
      timeout: 30_000,
    });
  }

  async startCamera() {
    await this.page.getByRole('button', { name: 'Start camera' }).click();
    // getUserMedia of the fake camera takes seconds on a loaded machine.
    await expect(this.page.getByRole('button', { name: 'Stop camera' })).toBeVisible({
      timeout: 60_000,
    });
  }

  async say(text: string) {
    await this.page.getByLabel('Chat message', { exact: true }).fill(text);
    await this.page.getByRole('button', { name: 'Send', exact: true }).click();
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

  /** Waits until `name` has arrived whole from one member, with the sender's SHA-256. */
  async expectFile(name: string, size: string, sha256: string) {
    const arrived = this.page.getByRole('listitem', { name: `receive ${name} from` });
    await expect(arrived).toContainText(`received: ${size} of ${size}`, { timeout: 60_000 });
    await expect(arrived.getByTestId('sha256')).toHaveText(sha256);
    await expect(arrived).toContainText('verified');
    await expect(arrived.getByRole('link', { name: `Save ${name}` })).toBeVisible();
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
