import { expect, type Locator, type Page } from '@playwright/test';

/** How a safety code looks: three groups of four digits. */
export const SAFETY_CODE = /^\d{4} \d{4} \d{4}$/;

/** The call part of a tab (call, chat, connection panel), located by role and text. */
export class CallTab {
  readonly status: Locator;
  readonly chatInput: Locator;
  readonly sendButton: Locator;
  readonly chat: Locator;
  readonly hangUpButton: Locator;
  readonly startCallButton: Locator;
  readonly startCameraButton: Locator;
  readonly stopCameraButton: Locator;
  readonly remoteVideo: Locator;
  readonly pairType: Locator;
  readonly pairAddresses: Locator;
  readonly joinToOpen: Locator;
  readonly videoBytes: Locator;
  readonly timeline: Locator;
  /** The call's safety code, as the call panel shows it. */
  readonly safetyCode: Locator;

  constructor(readonly page: Page) {
    this.status = page.getByRole('status', { name: 'call status' });
    this.chatInput = page.getByLabel('Chat message', { exact: true });
    this.sendButton = page.getByRole('button', { name: 'Send', exact: true });
    this.chat = page.getByRole('log', { name: 'Chat messages' });
    this.hangUpButton = page.getByRole('button', { name: 'Hang up' });
    this.startCallButton = page.getByRole('button', { name: 'Start call' });
    this.startCameraButton = page.getByRole('button', { name: 'Start camera' });
    this.stopCameraButton = page.getByRole('button', { name: 'Stop camera' });
    this.remoteVideo = page.getByLabel('Remote video');
    this.pairType = page.getByLabel('candidate pair type');
    this.pairAddresses = page.getByLabel('candidate addresses');
    this.joinToOpen = page.getByLabel('join to open');
    this.videoBytes = page.getByLabel('video bytes received');
    this.timeline = page.getByRole('list', { name: 'Signaling timeline' });
    this.safetyCode = page.getByLabel('safety code', { exact: true });
  }

  /**
   * Waits until the chat can send, i.e. the data channel is open. After a reload or a hang-up
   * on the other side this tab may still show its old call for a moment: prove the new one
   * with a chat line that crosses (`expectChatCrosses` in call.spec.ts).
   */
  async expectChatOpen() {
    await expect(this.status).toHaveText('Call connected.');
    await expect(this.sendButton).toBeEnabled();
  }

  /** Waits until the call shows a safety code, and returns it. */
  async shownSafetyCode(): Promise<string> {
    await expect(this.safetyCode).toHaveText(SAFETY_CODE);
    return (await this.safetyCode.textContent()) ?? '';
  }

  /** Sends a chat line. */
  async say(text: string) {
    await this.chatInput.fill(text);
    await this.sendButton.click();
  }

  /** The video bytes received, as the connection panel shows them. */
  async videoBytesReceived(): Promise<number> {
    return Number.parseInt((await this.videoBytes.textContent()) ?? '0', 10);
  }

  /** The remote video's intrinsic width: above 0 once a decoded frame has arrived. */
  async remoteVideoWidth(): Promise<number> {
    return this.remoteVideo.evaluate((video) => (video as HTMLVideoElement).videoWidth);
  }
}
