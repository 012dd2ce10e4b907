/** How a link restarts ICE, and when it gives up. */
export interface RestartLimits {
  /** ICE restarts tried after the link last connected before it gives up. */
  max: number;
  /**
   * How long ICE may stay `disconnected` before a restart: consent checks often survive a
   * short blip by themselves, but a changed network never comes back on the old pair.
   */
  graceMs: number;
  /** The wait before the second restart; doubled for each one after. */
  backoffMs: number;
  /** A restart that has not connected after this long counts as failed. */
  attemptMs: number;
}

export const RESTART_LIMITS: RestartLimits = {
  max: 3,
  graceMs: 2000,
  backoffMs: 2000,
  attemptMs: 15_000,
};

/** What the policy does to its link. */
export interface RestartHooks {
  /** Restart ICE now; `reason` is for the timeline. */
  restart(reason: string): void;
  /** The restarts are used up: the link failed. */
  giveUp(reason: string): void;
}

/**
 * When a link restarts ICE: after a grace on `disconnected`, at once on `failed` and on the
 * browser's `online`, each restart after the first waiting twice as long as the one before.
 * After {@link RestartLimits.max} restarts without connecting it gives up and stays quiet
 * (Chromium reports `disconnected`, not `failed`, between two symmetric NATs, and would
 * otherwise restart every few seconds for ever) until {@link retry} or a new network.
 */
export class RestartPolicy {
  /** Restarts since the link last connected. */
  count = 0;
  gaveUp = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #limits: RestartLimits;
  readonly #hooks: RestartHooks;

  constructor(hooks: RestartHooks, limits: RestartLimits = RESTART_LIMITS) {
    this.#hooks = hooks;
    this.#limits = limits;
  }

  /** The link's ICE state changed. */
  onIceState(state: RTCIceConnectionState): void {
    if (state === 'connected' || state === 'completed') {
      this.connected();
      return;
    }
    if (this.gaveUp) return;
    if (state === 'disconnected') {
      this.#schedule(this.#limits.graceMs + this.#backoff(), 'disconnected past the grace');
    } else if (state === 'failed') {
      this.#schedule(this.#backoff(), 'ICE failed');
    }
  }

  /** The browser is online again (a new network): a fresh set of restarts, the first now. */
  online(): void {
    this.count = 0;
    this.gaveUp = false;
    this.#schedule(0, 'the network came back (online)');
  }

  /** The person asks to try again after the link failed. */
  retry(): void {
    this.count = 0;
    this.gaveUp = false;
    this.#schedule(0, 'asked to try again');
  }

  /** The link is up: the restarts start over next time. */
  connected(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.count = 0;
    this.gaveUp = false;
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The wait before the next restart: none for the first, then backoff, 2 × backoff... */
  #backoff(): number {
    return this.count === 0 ? 0 : this.#limits.backoffMs * 2 ** (this.count - 1);
  }

  #schedule(ms: number, reason: string): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#attempt(reason), ms);
  }

  #attempt(reason: string): void {
    this.#timer = undefined;
    if (this.count >= this.#limits.max) {
      this.gaveUp = true;
      this.#hooks.giveUp(`gave up after ${this.count} ICE restarts`);
      return;
    }
    this.count += 1;
    this.#hooks.restart(`${reason} (restart ${this.count} of ${this.#limits.max})`);
    // A restart that never gets anywhere (no state change at all) counts as failed too.
    this.#timer = setTimeout(
      () => this.#attempt('the restart did not connect'),
      this.#limits.attemptMs + this.#backoff(),
    );
  }
}
