import { describe, expect, it } from 'vitest';
import { explainFailure } from '../call/failure.ts';

describe('why a link failed, in plain words', () => {
  it('without a relay offered: no direct path, and what to try', () => {
    const text = explainFailure({ turnOffered: false, relayGathered: false });
    expect(text).toMatch(/^No network path .* this server offers no TURN relay/);
    expect(text).toContain('Try another network');
  });

  it('a relay offered but never reached: UDP and TCP blocked, try TLS on 443', () => {
    const text = explainFailure({ turnOffered: true, relayGathered: false, who: 'abcd' });
    expect(text).toContain('could not reach the server');
    expect(text).toContain('over UDP or TCP');
    expect(text).toContain('TLS on port 443');
    expect(text).toContain('abcd');
  });

  it('a relay reached that still found no path points at the other side', () => {
    expect(explainFailure({ turnOffered: true, relayGathered: true })).toContain('their side');
  });

  it('the other member left before the call connected', () => {
    expect(explainFailure({ turnOffered: true, relayGathered: true, peerLeft: true })).toMatch(
      /the other member left before it did/,
    );
  });
});
