import type { Locator, Page } from '@playwright/test';

/** A tab on the join screen (`/room?lobby`), located by role and text as a person sees it. */
export class LobbyTab {
  readonly preview: Locator;
  readonly presence: Locator;
  readonly nameInput: Locator;
  readonly pinInput: Locator;
  readonly joinButton: Locator;
  readonly microphone: Locator;
  readonly camera: Locator;
  readonly microphoneButton: Locator;
  readonly cameraButton: Locator;
  readonly lockSwitch: Locator;

  constructor(readonly page: Page) {
    const screen = page.locator('join-screen');
    this.preview = screen.getByLabel('Your camera preview');
    this.presence = screen.locator('.presence');
    this.nameInput = screen.getByLabel('Your name');
    this.pinInput = screen.getByLabel(/PIN$/);
    this.joinButton = screen.getByRole('button', { name: /Join now|Room is full|Joining/ });
    this.microphone = screen.getByRole('combobox', { name: 'Microphone' });
    this.camera = screen.getByRole('combobox', { name: 'Camera' });
    this.microphoneButton = screen.getByRole('button', { name: 'Microphone' });
    this.cameraButton = screen.getByRole('button', { name: 'Camera' });
    this.lockSwitch = screen.getByRole('checkbox', { name: 'Lock the room with a PIN' });
  }

  /** The preview's decoded width: above 0 once the camera's frames play. */
  previewWidth(): Promise<number> {
    return this.preview.evaluate((video: HTMLVideoElement) => video.videoWidth);
  }

  /** Types a name (and a PIN, if given) and presses Join. */
  async join(name: string, pin?: string): Promise<void> {
    await this.nameInput.fill(name);
    if (pin !== undefined) await this.pinInput.fill(pin);
    await this.joinButton.click();
  }
}
