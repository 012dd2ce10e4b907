import { describe, expect, it } from 'vitest';
import { explainMediaError } from '../media-errors.ts';

describe('explainMediaError', () => {
  it('tells a denied permission apart from a missing device, each with what to do', () => {
    const denied = explainMediaError(new DOMException('Permission denied', 'NotAllowedError'));
    const missing = explainMediaError(
      new DOMException('Requested device not found', 'NotFoundError'),
    );
    expect(denied).toMatch(/denied.*Allow them/);
    expect(missing).toMatch(/No camera or microphone was found/);
  });

  it('passes on the message of an error it does not know', () => {
    expect(explainMediaError(new Error('boom'))).toContain('boom');
  });
});
