import { createHash } from 'node:crypto';

/** What a script is run with: its keys (the first one routes it on a cluster) and arguments. */
export interface ScriptCall {
  keys: string[];
  arguments: string[];
}

/**
 * The one command the store sends: a Lua script with its keys. Every command of the store is
 * a script on one key, so a node-redis client and a node-redis cluster client (which routes
 * each call by its first key) serve it alike.
 */
export interface SeatClient {
  eval(script: string, options: ScriptCall): Promise<unknown>;
}

/** A node-redis client or cluster client, as {@link scriptClient} uses it. */
export interface ScriptingClient extends SeatClient {
  evalSha(sha: string, options: ScriptCall): Promise<unknown>;
}

interface Deadline {
  at: number;
  reject: (error: Error) => void;
}

/**
 * The store's connection, cheaper per command than node-redis's own options at a thousand
 * joins a second: each script goes by its SHA1 (`EVALSHA`, 40 bytes instead of the script's
 * hundreds, and no hashing in Redis), sent in full only when Redis answers `NOSCRIPT` (after a
 * restart); and one timer rejects the commands Redis leaves unanswered for `timeoutMs`, where
 * node-redis's `timeout` option makes an `AbortSignal` and a timer per command. A fallback is
 * sent from the rejection of its `EVALSHA`, and replies come in order, so commands sent
 * together (an index write, then its seat) still reach Redis in the order they were sent.
 */
export function scriptClient(client: ScriptingClient, timeoutMs: number): SeatClient {
  const shas = new Map<string, string>();
  const pending = new Set<Deadline>();
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    const now = Date.now();
    // In the order they were sent: the first still in time ends the look.
    for (const entry of pending) {
      if (entry.at > now) break;
      pending.delete(entry);
      entry.reject(new Error(`[signaling] Redis did not answer within ${timeoutMs} ms`));
    }
    if (pending.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  const run = (script: string, options: ScriptCall): Promise<unknown> => {
    let sha = shas.get(script);
    if (sha === undefined) {
      sha = createHash('sha1').update(script).digest('hex');
      shas.set(script, sha);
    }
    return client.evalSha(sha, options).catch((error: unknown) => {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return client.eval(script, options);
      }
      throw error;
    });
  };
  return {
    eval(script, options) {
      return new Promise((resolve, reject) => {
        const entry: Deadline = { at: Date.now() + timeoutMs, reject };
        pending.add(entry);
        if (timer === undefined) {
          timer = setInterval(check, Math.max(10, Math.min(250, timeoutMs / 4)));
          timer.unref();
        }
        run(script, options).then(
          (value) => {
            pending.delete(entry);
            resolve(value);
          },
          (error: unknown) => {
            pending.delete(entry);
            reject(error);
          },
        );
      });
    },
  };
}
