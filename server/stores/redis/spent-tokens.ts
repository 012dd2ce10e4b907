import type { SpentTokens } from '../../core/room-access.ts';
import type { SeatClient } from './commands.ts';

/** Spends an id: set only if absent, expiring at the token's own `exp` (ms since the epoch). */
const SPEND = `return redis.call('SET', KEYS[1], '1', 'NX', 'PXAT', ARGV[1])`;
const SPENT = `return redis.call('EXISTS', KEYS[1])`;

/**
 * The ids of spent room tokens in Redis, one key each (`<prefix>token:{<jti>}`) that expires
 * with its token, so a token spent on one process of a fleet is refused on every other. The
 * set is atomic (`SET NX`): two processes spending one token at once, one wins. A Redis error
 * rejects, and the join is refused `unavailable` rather than let a token through unchecked.
 */
export function redisSpentTokens(client: SeatClient, prefix: string): SpentTokens {
  const key = (jti: string) => `${prefix}token:{${jti}}`;
  return {
    async has(jti) {
      return Number(await client.eval(SPENT, { keys: [key(jti)], arguments: [] })) === 1;
    },
    async spend(jti, exp) {
      const set = await client.eval(SPEND, { keys: [key(jti)], arguments: [`${Math.ceil(exp)}`] });
      return set === 'OK' ? undefined : 'the room token was already used';
    },
    size: 0,
  };
}
