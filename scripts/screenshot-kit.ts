// What the two screenshot scripts share: Chromium on its fake devices, and the join screen's
// preview seen playing before a shot or a Join.
import { type Browser, chromium, type Page } from '@playwright/test';

/** Debian's Chromium with fake camera and microphone, permission granted. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
  });
}

/** Waits until the join screen's camera preview shows frames. */
export async function previewPlaying(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const video = document
      .querySelector('rooms-app')
      ?.shadowRoot?.querySelector('join-screen')
      ?.shadowRoot?.querySelector('video');
    return video instanceof HTMLVideoElement && video.videoWidth > 0;
  });
}
