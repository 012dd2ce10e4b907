import type { StoreHealth } from '../../core/store.ts';
import type { SignalingLogger } from '../../core/types.ts';

/** What the heartbeat does on each beat, given by the store. */
export interface HeartbeatOptions {
  /** Tells Redis this process is alive; true if Redis still knew it (its key had not expired). */
  beat(): Promise<boolean>;
  /** Registers this process again and takes its seats back (after it was forgotten). */
  register(): Promise<void>;
  /** Frees the seats of processes whose heartbeat expired. */
  sweep(): Promise<unknown>;
  intervalMs: number;
  logger: SignalingLogger;
}

/**
 * A process's heartbeat in Redis, and the store's health that follows from it: a beat every
 * `intervalMs`, then a re-registration if Redis forgot this process, and a sweep of the dead.
 */
export class Heartbeat {
  readonly #options: HeartbeatOptions;
  #health: StoreHealth = { ok: false, reason: 'not started' };
  #timer: NodeJS.Timeout | undefined;
  #beating = false;
  #maintaining = false;
  /** Redis forgot this process (a stall past the TTL, a Redis restart): register again. */
  #forgotten = true;
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#options = options;
  }

  /** Beats once (rejecting if Redis does not answer), then every interval until {@link stop}. */
  async start(): Promise<void> {
    await this.#tick();
    if (!this.#health.ok) throw new Error(`[signaling] Redis: ${this.#health.reason}`);
    this.#timer = setInterval(() => void this.#tick(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Ok while the heartbeat reaches Redis; else why not (joins are refused meanwhile). */
  health(): StoreHealth {
    return this.#health;
  }

  /** Marks Redis unreachable at once (a client error), before the next beat notices. */
  unreachable(reason: string): void {
    if (this.#timer !== undefined) this.#health = { ok: false, reason };
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stopped = true;
    this.#health = { ok: false, reason: 'closed' };
  }

  /**
   * One heartbeat: stay alive, then re-register if Redis forgot this process, and sweep the
   * dead. The beat never waits for the other two: a long re-registration or sweep (thousands of
   * seats) must not stop the beats, or the others would sweep this process in turn.
   */
  async #tick(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      const known = await this.#options.beat();
      if (!known && !this.#forgotten && this.#timer !== undefined) {
        this.#options.logger.warn(
          '[signaling] Redis: this process missed its heartbeat (stalled?) and may have been swept; taking its seats back',
        );
      }
      if (!known) this.#forgotten = true;
    } catch (error) {
      this.#unhealthy(error);
      return;
    } finally {
      this.#beating = false;
    }
    await this.#maintain();
  }

  /** Re-registers when needed and sweeps the dead; one at a time. */
  async #maintain(): Promise<void> {
    if (this.#maintaining) return;
    this.#maintaining = true;
    try {
      if (this.#forgotten || !this.#health.ok) {
        const wasDown = !this.#health.ok && this.#timer !== undefined;
        // Cleared first: a beat that finds this process forgotten during the registration
        // (swept meanwhile) sets it again, for one more.
        this.#forgotten = false;
        try {
          await this.#options.register();
        } catch (error) {
          this.#forgotten = true;
          throw error;
        }
        if (wasDown) {
          this.#options.logger.warn(
            '[signaling] Redis: reachable again; this process re-registered its seats',
          );
        }
      }
      this.#health = { ok: true };
      await this.#options.sweep();
    } catch (error) {
      this.#unhealthy(error);
    } finally {
      this.#maintaining = false;
    }
  }

  #unhealthy(error: unknown): void {
    if (this.#stopped) return;
    if (this.#health.ok) {
      this.#options.logger.error(
        '[signaling] Redis heartbeat failed; joins are refused until it is back. Check that Redis is up:',
        error,
      );
    }
    // The error's text (an address, a port) stays in the log: `/healthz` is not the place.
    this.#health = { ok: false, reason: 'Redis unreachable' };
  }
}
