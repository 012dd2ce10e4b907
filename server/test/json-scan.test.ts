import { describe, expect, it } from 'vitest';
import { skipJson } from '../core/json-scan.ts';

// The fast relay passes on what this check lets through, unparsed: it must refuse exactly what
// JSON.parse refuses (the receiving client would drop its connection on it), and nest no
// deeper than the limit the handlers apply.

function depth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  for (const key in value) {
    deepest = Math.max(deepest, depth((value as Record<string, unknown>)[key]));
  }
  return deepest + 1;
}

/** What JSON.parse says of `text`: one value of at most `max` levels, or not. */
function parses(text: string, max: number): boolean {
  try {
    return depth(JSON.parse(text)) <= max;
  } catch {
    return false;
  }
}

/** What the scanner says of `text`, whitespace after the value allowed. */
function scans(text: string, max: number): boolean {
  const end = skipJson(text, 0, text.length, max);
  return end >= 0 && !/[^ \t\n\r]/.test(text.slice(end));
}

const PIECES = [
  ...['{', '}', '[', ']', '"', '\\', 'u', '0', '1', '-', '.', 'e', 'E', '+', ',', ':', ' '],
  ...['\n', '\u0001', 'é', 'true', 'false', 'null', 'nul', '"a"', '"\\u00e9"', '"\\n"', '"\\x"'],
  ...['1.5', '-0', '01', '1.', '.5', '1e', '"x\\"y"', '{"a":1}', '[[]]', '\\u12'],
  `"${'x'.repeat(70)}`,
  `${'y'.repeat(65)}\\`,
  `\\u00${'z'.repeat(66)}`,
  `\u0001${'w'.repeat(64)}`,
];

describe('the JSON check of the fast relay', () => {
  it('agrees with JSON.parse on 100,000 generated texts, long strings among them', () => {
    // A fixed generator (a linear congruential one), so a failure reproduces.
    let seed = 22;
    const next = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    const disagreements: string[] = [];
    for (let round = 0; round < 100_000; round++) {
      let text = '';
      const count = 1 + next(10);
      for (let piece = 0; piece < count; piece++) text += PIECES[next(PIECES.length)];
      if (scans(text, 3) !== parses(text, 3)) disagreements.push(text);
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
  });

  it('takes 16 levels and refuses 17', () => {
    const nested = (levels: number) => `${'[{"a":'.repeat(levels / 2)}1${'}]'.repeat(levels / 2)}`;
    expect(scans(nested(16), 16)).toBe(true);
    expect(scans(`[${nested(16)}]`, 16)).toBe(false);
    expect(scans(nested(18), 16)).toBe(false);
  });

  it('ends where the value ends, inside a frame', () => {
    const frame = '2["message",{"type":"candidate","candidate":"a \\"b\\""}]';
    expect(skipJson(frame, 12, frame.length - 1, 16)).toBe(frame.length - 1);
    const unterminated = '2["message","abc]';
    expect(skipJson(unterminated, 12, unterminated.length - 1, 16)).toBe(-1);
  });
});
