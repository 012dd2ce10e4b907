/**
 * The guard every publish of the Redis relay adapter goes through: a cap on publishes waiting
 * for Redis, one retry, and a report to the sender of a relay that is lost or late.
 */
import type { Namespace } from 'socket.io';
import { type ClusterMessage, MessageType } from 'socket.io-adapter';
import type { SignalingLogger } from '../../core/types.ts';

/** The options a guarded publish reads (the relay adapter's own, which extend these). */
export interface GuardOptions {
  /** Publishes in flight past which a relay is refused at once rather than queued. */
  maxInFlight: number;
  /** Wait before the one retry of a failed publish. */
  retryMs: number;
  /**
   * How long a relay may wait for Redis, its retry included, before its sender is told it
   * failed. One timer checks the oldest publishes, rather than a timeout per command: a relay
   * crosses Redis thousands of times a second.
   */
  timeoutMs: number;
  logger: SignalingLogger;
}

/** What a broadcast is about: for telling its sender when it fails, and the store of it. */
export interface Lost {
  event: unknown;
  rooms: readonly string[];
  except: readonly string[];
}

export function lostOf(message: ClusterMessage): Lost | undefined {
  if (message.type !== MessageType.BROADCAST) return undefined;
  const { packet, opts } = message.data as {
    packet: { data?: unknown[] };
    opts: { except?: string[]; rooms: string[] };
  };
  return { event: packet.data?.[0], rooms: opts.rooms, except: opts.except ?? [] };
}

export type Guarded = <T>(
  nsp: Namespace,
  lost: Lost | undefined,
  send: () => Promise<T>,
) => Promise<T>;

/**
 * Every publish goes through this: past `maxInFlight` waiting it is refused at once; one that
 * fails is retried once; one that fails again, or that Redis leaves unanswered for `timeoutMs`,
 * is reported to its sender.
 */
export function guardedPublisher(options: GuardOptions): Guarded {
  let inFlight = 0;
  const late = lateRelays(options);
  return async (nsp, lost, send) => {
    if (inFlight >= options.maxInFlight) {
      report(nsp, lost, 'too many relays waiting for Redis', options.logger);
      throw new Error('[signaling] too many publishes in flight');
    }
    inFlight++;
    const waiting = late.watch(nsp, lost);
    try {
      return await send();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, options.retryMs));
      try {
        return await send();
      } catch (error) {
        if (!waiting.reported) report(nsp, lost, 'Redis did not take it', options.logger, error);
        throw error;
      }
    } finally {
      late.done(waiting);
      inFlight--;
    }
  };
}

interface Waiting {
  at: number;
  nsp: Namespace;
  lost: Lost | undefined;
  reported: boolean;
}

/** The publishes waiting for Redis, oldest first, and the one timer that reports the late. */
function lateRelays(options: GuardOptions) {
  const waiting = new Set<Waiting>();
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const now = Date.now();
    for (const entry of waiting) {
      if (now - entry.at < options.timeoutMs) break;
      if (entry.reported) continue;
      entry.reported = true;
      report(entry.nsp, entry.lost, 'Redis did not answer in time', options.logger);
    }
    if (waiting.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return {
    watch(nsp: Namespace, lost: Lost | undefined): Waiting {
      const entry = { at: Date.now(), nsp, lost, reported: false };
      waiting.add(entry);
      if (!timer) {
        timer = setInterval(check, Math.max(50, options.timeoutMs / 4));
        timer.unref();
      }
      return entry;
    },
    done(entry: Waiting): void {
      waiting.delete(entry);
    },
  };
}

/** Tells the sender of a relay that could not be published; logs any other lost broadcast. */
function report(
  nsp: Namespace,
  lost: Lost | undefined,
  why: string,
  logger: SignalingLogger,
  error?: unknown,
): void {
  if (!lost) return;
  if (lost.event !== 'message') {
    const said = `[signaling] Redis: "${String(lost.event)}" to ${lost.rooms} was lost (${why})`;
    if (error === undefined) logger.error(said);
    else logger.error(`${said}:`, error);
    return;
  }
  // A relay is `socket.to(room)`: its sender is the one socket it excepts.
  for (const id of lost.except) {
    nsp.sockets.get(id)?.emit('signaling:error', {
      event: 'message',
      code: 'relay-failed',
      message: `your message could not be relayed (${why}); send it again`,
    });
  }
}
