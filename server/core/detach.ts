import type { EventEmitter } from 'node:events';
import type { AttachableServer } from './types.ts';

/** What engine.io (and the early refusal in front of it) listens to on the http server. */
const EVENTS = ['request', 'upgrade', 'connection', 'close', 'listening'] as const;

type Listener = (...args: unknown[]) => void;

/**
 * Runs `attach` and returns its result with a `detach` that takes the listeners it added to
 * `server` off again, and gives back the `request` listeners engine.io moved behind its own. A
 * closed attach then leaves a server that lives on (the user's own, under Vite's middleware
 * mode) as it found it: the next attach is the only one to answer, and an upgrade is not
 * handled twice.
 */
export function trackListeners<T>(
  server: AttachableServer,
  attach: () => T,
): { value: T; detach: () => void } {
  const emitter: EventEmitter = server;
  const listeners = (event: string) => emitter.listeners(event) as Listener[];
  const before = new Map(EVENTS.map((event) => [event, listeners(event)]));
  const value = attach();
  const added = EVENTS.map((event) => {
    const old = before.get(event) ?? [];
    return [event, listeners(event).filter((listener) => !old.includes(listener))] as const;
  });
  const moved = (before.get('request') ?? []).filter(
    (listener) => !listeners('request').includes(listener),
  );
  const detach = () => {
    const requestAdded = added.find(([event]) => event === 'request')?.[1] ?? [];
    // A later attach may have moved ours behind its own: then it still reaches the old ones.
    const stillFirst = requestAdded.some((listener) => listeners('request').includes(listener));
    for (const [event, ours] of added) for (const listener of ours) emitter.off(event, listener);
    if (!stillFirst) return;
    for (const listener of moved) {
      if (!listeners('request').includes(listener)) emitter.on('request', listener);
    }
  };
  return { value, detach };
}
