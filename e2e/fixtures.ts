import { test as base, expect, type Locator, type Page } from '@playwright/test';

/** A tab of the app, located by role and text as a person sees it. */
export class RoomTab {
  readonly members: Locator;
  readonly role: Locator;
  readonly connection: Locator;
  readonly log: Locator;
  readonly roomInput: Locator;
  readonly joinButton: Locator;
  readonly leaveButton: Locator;

  constructor(readonly page: Page) {
    this.members = page.getByLabel('members present');
    this.role = page.getByTestId('role');
    this.connection = page.getByRole('status', { name: 'connection' });
    this.log = page.getByRole('log', { name: 'Signaling log' });
    this.roomInput = page.getByLabel('Room name');
    this.joinButton = page.getByRole('button', { name: 'Join room' });
    this.leaveButton = page.getByRole('button', { name: 'Leave room' });
  }

  /** Picks a room in the form. */
  async join(room: string) {
    await this.roomInput.fill(room);
    await this.joinButton.click();
  }

  /** Waits until this tab has a seat and the room holds `members` of `capacity`. */
  async expectMembers(members: number, capacity = 2) {
    await expect(this.members).toHaveText(`${members}/${capacity}`);
  }
}

interface Fixtures {
  /** A room name of this test's own, so tests never share a room. */
  room: string;
  /** Opens a new tab (a page of its own browser context) at `path` and waits for it to load. */
  openTab: (path: string) => Promise<RoomTab>;
  /** Opens two tabs on `path` one after the other and waits until both show 2/2. */
  openPair: (path: string) => Promise<[RoomTab, RoomTab]>;
}

/** Tests with fresh tabs on the app and a room of their own. */
export const test = base.extend<Fixtures>({
  room: async ({}, use, testInfo) => {
    await use(`room-${testInfo.testId}-${testInfo.repeatEachIndex}-${testInfo.retry}`);
  },
  openTab: async ({ browser }, use) => {
    const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
    await use(async (path) => {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(path);
      return new RoomTab(page);
    });
    for (const context of contexts) await context.close();
  },
  openPair: async ({ openTab }, use) => {
    await use(async (path) => {
      const first = await openTab(path);
      await first.expectMembers(1);
      const second = await openTab(path);
      await second.expectMembers(2);
      await first.expectMembers(2);
      return [first, second];
    });
  },
});

export { expect };
