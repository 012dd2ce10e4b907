import { clientAddress } from '../connections.ts';
import { refuse } from '../context.ts';
import type { EventHandler } from '../guard.ts';
import { type BucketOptions, KeyedBuckets } from '../rate-limit.ts';
import { CallOutcomeSchema, check } from '../validation.ts';

/**
 * Reports one client address may send: a burst (a group call's links ending together, a few
 * calls in a row), then one every five seconds.
 */
export const DEFAULT_OUTCOMES_PER_ADDRESS: BucketOptions = { burst: 20, perSecond: 0.2 };

/** The per-address limit of `options.callOutcomes`, or undefined when reports are off. */
export function outcomeBuckets(
  options: false | { perAddress?: BucketOptions } | undefined,
): KeyedBuckets | undefined {
  if (options === false) return undefined;
  return new KeyedBuckets(options?.perAddress ?? DEFAULT_OUTCOMES_PER_ADDRESS);
}

/**
 * `call:outcome` (our own): a client's report of how one peer connection went. Checked against
 * the protocol's shape (nothing else gets in: no address, no id), limited per client address
 * (a reconnecting client keeps its address's count), then counted in the metrics. A seat is
 * not needed: a report follows the call, often after its member left.
 */
export const callOutcome: EventHandler = (context, socket, value) => {
  const buckets = context.outcomes;
  if (buckets === undefined) {
    refuse(context, socket, 'call:outcome', 'disabled', 'this server collects no call outcomes');
    return;
  }
  const report = check(CallOutcomeSchema, value);
  if (!report.ok) {
    refuse(context, socket, 'call:outcome', 'invalid-payload', report.reason);
    return;
  }
  if (!buckets.take(clientAddress(socket.conn))) {
    refuse(
      context,
      socket,
      'call:outcome',
      'rate-limited',
      'too many call outcomes from this address; this one was not counted',
    );
    return;
  }
  context.metrics.callOutcome(report.value);
};
