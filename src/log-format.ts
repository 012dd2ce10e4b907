import type { SignalingPayload } from '../server/protocol/index.ts';

/** A short, single-line description of a relayed payload for the log. */
export function summarize(payload: SignalingPayload): string {
  if (typeof payload === 'string') return JSON.stringify(payload);
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload)) {
    const type = payload.type;
    if (typeof type === 'string') return `${type} (${JSON.stringify(payload).length} bytes)`;
  }
  const text = JSON.stringify(payload) ?? String(payload);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * A server log part for the screen. The codelab mirrors every relayed payload back in `log`,
 * whole SDPs included: the log shows those as the relay lines do, short, so they do not bury
 * the rest.
 */
export function formatPart(part: unknown): string {
  return typeof part === 'string' ? part : summarize(part as SignalingPayload);
}
