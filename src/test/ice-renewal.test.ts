import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IceRenewal } from '../ice-servers.ts';

describe('IceRenewal', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks for a fresh credential at half its lifetime, and is stale from then until one comes', async () => {
    const renewal = new IceRenewal(
      () => {
        asked += 1;
        return Promise.resolve();
      },
      () => true,
    );
    let asked = 0;
    renewal.received(600);
    expect(renewal.stale).toBe(false);
    await vi.advanceTimersByTimeAsync(299_000);
    expect(asked).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(asked).toBe(1);
    expect(renewal.stale).toBe(true);
    renewal.received(600);
    expect(renewal.stale).toBe(false);
    renewal.stop();
  });

  it('tries again every 5 s while no answer comes, and not once the tab left its room', async () => {
    let seated = true;
    let asked = 0;
    const renewal = new IceRenewal(
      () => {
        asked += 1;
        return Promise.resolve();
      },
      () => seated,
    );
    renewal.received(20);
    // At half the lifetime (10 s), then 15 s and 20 s: no answer ever came.
    await vi.advanceTimersByTimeAsync(20_000);
    expect(asked).toBe(3);
    seated = false;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(asked).toBe(3);
    renewal.stop();
  });

  it('keeps nothing fresh without TURN, and stops when told', async () => {
    const ask = vi.fn(() => Promise.resolve());
    const renewal = new IceRenewal(ask, () => true);
    renewal.received(undefined);
    expect(renewal.active).toBe(false);
    expect(renewal.stale).toBe(false);
    renewal.received(60);
    renewal.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(ask).not.toHaveBeenCalled();
  });
});
