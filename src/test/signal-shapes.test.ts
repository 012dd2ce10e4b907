import { describe, expect, it } from 'vitest';
import { candidateDetail, candidateInit, isCandidate, isDescription } from '../signal-shapes.ts';

describe('the codelab message shapes', () => {
  it('knows an offer and an answer, and nothing else, as a description', () => {
    expect(isDescription({ type: 'offer', sdp: 'v=0' })).toBe(true);
    expect(isDescription({ type: 'answer', sdp: 'v=0' })).toBe(true);
    expect(isDescription({ type: 'offer' })).toBe(false);
    expect(isDescription('got user media')).toBe(false);
  });

  it('knows a candidate with or without its label and id', () => {
    expect(isCandidate({ type: 'candidate', label: 0, id: '0', candidate: 'candidate:1' })).toBe(
      true,
    );
    expect(isCandidate({ type: 'candidate', candidate: 'candidate:1' })).toBe(true);
    expect(isCandidate({ type: 'candidate', label: 'x', candidate: 'candidate:1' })).toBe(false);
    expect(isCandidate(['candidate'])).toBe(false);
  });

  it('sums a candidate line up as type, protocol and address', () => {
    expect(
      candidateDetail('candidate:1 1 UDP 2122260223 192.168.1.2 54400 typ host generation 0'),
    ).toBe('host udp 192.168.1.2');
  });

  it('hands addIceCandidate the codelab candidate with its label and id renamed', () => {
    expect(candidateInit({ type: 'candidate', label: 1, id: 'video', candidate: 'c' })).toEqual({
      candidate: 'c',
      sdpMLineIndex: 1,
      sdpMid: 'video',
    });
  });
});
