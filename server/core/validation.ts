import * as v from 'valibot';
import {
  CALL_ENDINGS,
  CALL_FAILURE_REASONS,
  CANDIDATE_TYPES,
  type CallOutcome,
  PAIR_PROTOCOLS,
} from '../protocol/index.ts';
import { parseRoomName } from '../protocol/room-name.ts';
import { PIN_LENGTH } from './room-access.ts';

/** What checking one inbound value gave: the value to use, or why it was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The most relayed-payload bytes by default: a large SDP offer is ~10-20 KB, so 64 KiB fits. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

/**
 * How deep a relayed payload may nest. SDP and ICE payloads are two levels deep; the limit
 * exists so that walking a hostile payload can never exhaust the stack.
 */
export const MAX_PAYLOAD_DEPTH = 16;

/**
 * A room name as docs/protocol.md#joining defines it, normalised to NFC. It wraps
 * `parseRoomName` (shared with the browser client) so the rule and its messages live in one
 * place.
 */
export const RoomNameSchema = v.pipe(
  v.unknown(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseRoomName(dataset.value);
    if (!parsed.ok) {
      addIssue({ message: parsed.reason });
      return NEVER;
    }
    return parsed.room;
  }),
);

/** The optional argument of `bye`: nothing, or the name of the room being left. */
export const ByeArgumentSchema = v.optional(RoomNameSchema);

/** The most characters a `signal` target may have: socket ids are 20. */
export const SIGNAL_TARGET_MAX = 64;

/**
 * The argument of `signal`: `{ to, data }`, `to` a member's id. `data` is checked apart, by
 * the payload schema, like `message`'s payload.
 */
export const SignalRequestSchema = v.pipe(
  v.looseObject(
    {
      to: v.pipe(
        v.string('a signal needs `to`, the id of a member of your room'),
        v.minLength(1, 'a signal needs `to`, the id of a member of your room'),
        v.maxLength(
          SIGNAL_TARGET_MAX,
          `\`to\` is longer than ${SIGNAL_TARGET_MAX} characters; no member has such an id`,
        ),
      ),
      data: v.unknown(),
    },
    'a signal is an object { to, data }',
  ),
  v.transform(({ to, data }) => ({ to, data })),
);

/**
 * Checks a relayed payload: a JSON value (what codelab clients send), at most `maxBytes` of
 * JSON and {@link MAX_PAYLOAD_DEPTH} levels deep. Binary attachments are refused: no client of
 * the protocol sends them, and they would bypass the size count. `arrived` is the payload's
 * size in the packet it came in (sized-parser.ts); without it the payload is stringified to
 * count. Returns the bytes to charge to the byte budget, or why the payload is refused (a
 * number or a string, so that a relay allocates nothing here).
 */
export function checkPayload(
  payload: unknown,
  arrived: number | undefined,
  maxBytes: number,
): number | string {
  if (payload === undefined) return 'a message needs a payload';
  const problem = shapeProblem(payload, 0);
  if (problem !== undefined) return problem;
  // The walk above bounded the depth, so stringifying cannot overflow the stack, and the
  // transport's buffer limit (maxHttpBufferSize) bounds the work.
  const bytes = arrived ?? Buffer.byteLength(JSON.stringify(payload));
  if (bytes > maxBytes) {
    return `the payload is ${bytes} bytes of JSON, more than the ${maxBytes} allowed; send less`;
  }
  return bytes;
}

/** Runs `schema` on `value` and gives the first issue's message on refusal. */
export function check<T>(schema: v.GenericSchema<unknown, T>, value: unknown): Checked<T> {
  const result = v.safeParse(schema, value);
  if (result.success) return { ok: true, value: result.output };
  return { ok: false, reason: result.issues[0].message };
}

function shapeProblem(value: unknown, depth: number): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_PAYLOAD_DEPTH) {
    return `the payload nests deeper than ${MAX_PAYLOAD_DEPTH} levels`;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    return 'binary payloads are not relayed; send JSON';
  }
  // No Object.values: this runs on every relay, and a payload is a plain JSON object.
  for (const key in value) {
    const problem = shapeProblem((value as Record<string, unknown>)[key], depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * The optional second argument of `create or join` (`JoinOptions`): nothing (or `null`, which
 * is what JSON makes of `undefined` in an argument list), or an object with a PIN of 4 to 64
 * characters and `create`. Unknown keys are ignored, for later additions.
 */
export const JoinOptionsSchema = v.nullish(
  v.object(
    {
      pin: v.optional(
        v.pipe(
          v.string('the PIN must be a string'),
          v.minLength(PIN_LENGTH.min, `the PIN needs at least ${PIN_LENGTH.min} characters`),
          v.maxLength(PIN_LENGTH.max, `the PIN may have at most ${PIN_LENGTH.max} characters`),
        ),
      ),
      create: v.optional(v.boolean('create must be true or false')),
      // Checked apart (display-name.ts), so a bad name is refused `invalid-name`.
      name: v.optional(v.unknown()),
    },
    'the join options must be an object such as { pin: "1234" }',
  ),
);

/** The longest setup a report may give: ten minutes, past any ICE timeout. */
export const MAX_SETUP_MS = 600_000;

const common = {
  restarts: v.pipe(
    v.number('`restarts` must be a number'),
    v.integer('`restarts` must be a whole number'),
    v.minValue(0, '`restarts` cannot be negative'),
    v.maxValue(1000, '`restarts` is above 1000'),
  ),
  recovered: v.optional(v.boolean('`recovered` must be true or false')),
  ended: v.picklist(CALL_ENDINGS, `\`ended\` must be one of ${CALL_ENDINGS.join(', ')}`),
};

/**
 * The argument of `call:outcome` (`CallOutcome`): strict, so a report carries nothing beyond
 * its fields (no address, no id), and every field is from a fixed set, so the metrics' labels
 * stay few.
 */
export const CallOutcomeSchema: v.GenericSchema<unknown, CallOutcome> = v.variant(
  'outcome',
  [
    v.strictObject(
      {
        outcome: v.literal('connected'),
        ...common,
        setupMs: v.pipe(
          v.number('`setupMs` must be a number'),
          v.minValue(0, '`setupMs` cannot be negative'),
          v.maxValue(MAX_SETUP_MS, `\`setupMs\` is above ${MAX_SETUP_MS}`),
        ),
        pair: v.optional(
          v.strictObject(
            {
              local: v.picklist(CANDIDATE_TYPES, '`pair.local` must be a candidate type'),
              remote: v.picklist(CANDIDATE_TYPES, '`pair.remote` must be a candidate type'),
              protocol: v.picklist(PAIR_PROTOCOLS, '`pair.protocol` must be udp, tcp or tls'),
            },
            '`pair` is { local, remote, protocol } and nothing else',
          ),
        ),
      },
      'a connected report is { outcome, setupMs, pair?, restarts, recovered?, ended } and nothing else',
    ),
    v.strictObject(
      {
        outcome: v.literal('failed'),
        ...common,
        reason: v.picklist(
          CALL_FAILURE_REASONS,
          `\`reason\` must be one of ${CALL_FAILURE_REASONS.join(', ')}`,
        ),
      },
      'a failed report is { outcome, reason, restarts, recovered?, ended } and nothing else',
    ),
  ],
  'a call outcome is an object whose `outcome` is "connected" or "failed"',
);
