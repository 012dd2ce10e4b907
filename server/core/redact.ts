import { formatWithOptions } from 'node:util';
import type { SignalingLogger } from './types.ts';

/** What stands in for a URL's user and password in anything written out. */
const HIDDEN = '***';

/** `scheme://user:password@` (or `scheme://user@`) anywhere in a text. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;

/**
 * `text` with the user and password of every URL in it replaced by `***`, and each of
 * `secrets` (as given and URL-decoded) too, wherever it appears: a Redis client's error may
 * carry its URL's password outside a URL (a parse error's `input`, an AUTH reply).
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let safe = text.replace(USERINFO, `$1${HIDDEN}@`);
  for (const secret of secrets) safe = safe.replaceAll(secret, HIDDEN);
  return safe;
}

/**
 * The passwords in `urls` (one URL, or a comma-separated list of them, as `REDIS_URL` takes),
 * raw and decoded, to pass to {@link redact}; a user part with no password counts as one (it
 * may be a token). Secrets under 4 characters are left out, so they cannot blank out ordinary
 * words of a log line (such a password protects nothing anyway).
 */
export function secretsOf(urls: string | undefined): string[] {
  const found = new Set<string>();
  for (const part of (urls ?? '').split(',')) {
    const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(part.trim())?.[1];
    if (userinfo === undefined) continue;
    const colon = userinfo.indexOf(':');
    const password = colon === -1 ? userinfo : userinfo.slice(colon + 1);
    found.add(password);
    found.add(safeDecode(password));
  }
  return [...found].filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
}

/** `url` with its user and password hidden, for a log line or a message. */
export function redactUrl(url: string): string {
  return redact(url, secretsOf(url));
}

/**
 * A logger that writes what `logger` would, each line formatted as `console` formats it (an
 * error with its stack and fields) and then passed through {@link redact}: the one place where
 * the Redis URL's credentials are taken out of everything the server logs.
 */
export function redactingLogger(logger: SignalingLogger, secrets: readonly string[]) {
  const clean = (parts: unknown[]) =>
    redact(formatWithOptions({ colors: false }, ...parts), secrets);
  return {
    warn: (...parts: unknown[]) => logger.warn(clean(parts)),
    error: (...parts: unknown[]) => logger.error(clean(parts)),
  } satisfies SignalingLogger;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
