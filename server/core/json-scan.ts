/**
 * A JSON checker that builds nothing: it walks the text of one JSON value (RFC 8259, the grammar
 * `JSON.parse` accepts) and says where it ends, or that it is no JSON or nests too deep. The
 * relay's fast path (relay.ts) uses it to pass a frame on as it arrived: what `JSON.parse`
 * would refuse, this refuses, and what it lets through the receiver parses to the same value.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** Whether `code` is JSON's insignificant whitespace: space, tab, line feed, carriage return. */
function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipSpace(text: string, at: number, end: number): number {
  while (at < end && isSpace(text.charCodeAt(at))) at++;
  return at;
}

function isHex(code: number): boolean {
  return (
    (code >= ZERO && code <= NINE) ||
    (code >= 0x61 && code <= 0x66) ||
    (code >= 0x41 && code <= 0x46)
  );
}

/**
 * Strings at least this long are checked by `JSON.parse` (native, and fast on the substring a
 * relay's frame is), shorter ones here, where a call would cost more than the walk.
 */
const NATIVE_STRING = 64;

/** The end of the string whose opening quote is at `at`, or -1. */
export function skipString(text: string, at: number, end: number): number {
  // Its closing quote: the first one not escaped (after an even run of backslashes).
  let close = at;
  for (;;) {
    close = text.indexOf('"', close + 1);
    if (close < 0 || close >= end) return -1;
    let slashes = 0;
    while (text.charCodeAt(close - 1 - slashes) === BACKSLASH) slashes++;
    if ((slashes & 1) === 0) break;
  }
  if (close - at >= NATIVE_STRING) {
    try {
      JSON.parse(text.slice(at, close + 1));
      return close + 1;
    } catch {
      return -1;
    }
  }
  for (let i = at + 1; i < close; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20) return -1;
    if (code !== BACKSLASH) continue;
    const escaped = text.charCodeAt(++i);
    if (escaped === 0x75) {
      // \uXXXX
      if (i + 4 >= close) return -1;
      for (const last = i + 4; i < last; ) if (!isHex(text.charCodeAt(++i))) return -1;
    } else if (
      // " \ / b f n r t
      escaped !== QUOTE &&
      escaped !== BACKSLASH &&
      escaped !== 0x2f &&
      escaped !== 0x62 &&
      escaped !== 0x66 &&
      escaped !== 0x6e &&
      escaped !== 0x72 &&
      escaped !== 0x74
    ) {
      return -1;
    }
  }
  return close + 1;
}

function skipDigits(text: string, at: number, end: number): number {
  while (at < end) {
    const code = text.charCodeAt(at);
    if (code < ZERO || code > NINE) break;
    at++;
  }
  return at;
}

/** The end of the number starting at `at`, or -1: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`. */
function skipNumber(text: string, at: number, end: number): number {
  if (text.charCodeAt(at) === MINUS) at++;
  const first = at < end ? text.charCodeAt(at) : Number.NaN;
  if (first === ZERO) at++;
  else if (first > ZERO && first <= NINE) at = skipDigits(text, at + 1, end);
  else return -1;
  if (at < end && text.charCodeAt(at) === DOT) {
    const digits = skipDigits(text, at + 1, end);
    if (digits === at + 1) return -1;
    at = digits;
  }
  const exponent = at < end ? text.charCodeAt(at) : Number.NaN;
  if (exponent === 0x65 || exponent === 0x45) {
    at++;
    const sign = text.charCodeAt(at);
    if (at < end && (sign === PLUS || sign === MINUS)) at++;
    const digits = skipDigits(text, at, end);
    if (digits === at) return -1;
    at = digits;
  }
  return at;
}

function skipWord(text: string, at: number, end: number, word: string): number {
  return at + word.length <= end && text.startsWith(word, at) ? at + word.length : -1;
}

/** After a key's string: its colon and the whitespace around it, or -1. */
function skipKey(text: string, at: number, end: number): number {
  if (at >= end || text.charCodeAt(at) !== QUOTE) return -1;
  at = skipString(text, at, end);
  if (at < 0) return -1;
  at = skipSpace(text, at, end);
  if (at >= end || text.charCodeAt(at) !== COLON) return -1;
  return skipSpace(text, at + 1, end);
}

/**
 * Where the JSON value that starts at `at` (after any whitespace) ends within `text` up to
 * `end`, or -1 when it is no JSON or its objects and arrays nest deeper than `maxDepth`
 * (a scalar is depth 0, `{}` and `[]` depth 1). Whitespace after the value is not skipped.
 */
export function skipJson(text: string, at: number, end: number, maxDepth: number): number {
  // One bit per open container, set for an object: `maxDepth` is at most 30 here.
  let objects = 0;
  let depth = 0;
  at = skipSpace(text, at, end);
  for (;;) {
    // A value starts at `at`.
    if (at >= end) return -1;
    const code = text.charCodeAt(at);
    if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (depth >= maxDepth) return -1;
      const object = code === OPEN_BRACE;
      if (object) objects |= 1 << depth;
      else objects &= ~(1 << depth);
      depth++;
      at = skipSpace(text, at + 1, end);
      if (at < end && text.charCodeAt(at) === (object ? CLOSE_BRACE : CLOSE_BRACKET)) {
        depth--;
        at++;
      } else {
        if (object) {
          at = skipKey(text, at, end);
          if (at < 0) return -1;
        }
        continue;
      }
    } else if (code === QUOTE) {
      at = skipString(text, at, end);
    } else if (code === 0x74) {
      at = skipWord(text, at, end, 'true');
    } else if (code === 0x66) {
      at = skipWord(text, at, end, 'false');
    } else if (code === 0x6e) {
      at = skipWord(text, at, end, 'null');
    } else {
      at = skipNumber(text, at, end);
    }
    if (at < 0 || at > end) return -1;
    // A value ended at `at`: close containers until one goes on with a comma.
    for (;;) {
      if (depth === 0) return at;
      at = skipSpace(text, at, end);
      if (at >= end) return -1;
      const next = text.charCodeAt(at);
      const object = (objects & (1 << (depth - 1))) !== 0;
      if (next === COMMA) {
        at = skipSpace(text, at + 1, end);
        if (object) {
          at = skipKey(text, at, end);
          if (at < 0) return -1;
        }
        break;
      }
      if (next !== (object ? CLOSE_BRACE : CLOSE_BRACKET)) return -1;
      depth--;
      at++;
    }
  }
}
