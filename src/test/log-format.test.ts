import { describe, expect, it } from 'vitest';
import { formatPart, summarize } from '../log-format.ts';

describe('log lines', () => {
  it('shows a session description as its type and size, not the whole SDP', () => {
    const offer = { type: 'offer', sdp: `v=0\r\n${'a=x\r\n'.repeat(1000)}` };
    expect(summarize(offer)).toBe(`offer (${JSON.stringify(offer).length} bytes)`);
  });

  it('quotes strings such as the codelab\'s "got user media"', () => {
    expect(summarize('got user media')).toBe('"got user media"');
  });

  it('cuts other long values to one short line', () => {
    const text = summarize({ list: Array.from({ length: 100 }, (_, i) => i) });
    expect(text.length).toBe(80);
    expect(text.endsWith('...')).toBe(true);
  });

  it("keeps the server's words and summarises the payload it mirrors", () => {
    expect(['Client said: ', { type: 'answer', sdp: 'v=0' }].map(formatPart)).toEqual([
      'Client said: ',
      'answer (29 bytes)',
    ]);
  });
});
