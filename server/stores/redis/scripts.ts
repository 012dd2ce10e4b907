// The seat scripts. Each touches one key only, the room's hash, whose name carries the room in
// a hash tag (`{room}`), so the same scripts run on one Redis and on Redis Cluster. A room's
// hash maps each member to the process holding its seat: `pid` while connected, `pid|since`
// while held for a member whose network dropped (since = ms since the epoch, oldest first).
// Every script that changes the hash answers with the hash itself (member, value, ...), so the
// process can tell at once whether every member of the room is its own (room affinity).

/** Gives ARGV[1] a seat for process ARGV[2] if fewer than ARGV[3] are taken, or the oldest held one. */
export const JOIN = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return {'full', ''} end
local seats = redis.call('HGETALL', KEYS[1])
local count = #seats / 2
local replaced = ''
if count >= tonumber(ARGV[3]) then
  local oldest
  for i = 1, #seats, 2 do
    local cut = string.find(seats[i + 1], '|', 1, true)
    if cut then
      local since = tonumber(string.sub(seats[i + 1], cut + 1))
      if oldest == nil or since < oldest then oldest = since; replaced = seats[i] end
    end
  end
  if replaced == '' then return {'full', ''} end
  redis.call('HDEL', KEYS[1], replaced)
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local reply = {count == 0 and 'created' or 'joined', replaced}
for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do table.insert(reply, v) end
return reply
`;

/** Frees ARGV[1]'s seat, whoever holds it. */
export const LEAVE = `
redis.call('HDEL', KEYS[1], ARGV[1])
return redis.call('HGETALL', KEYS[1])
`;

/** Marks ARGV[1]'s seat, held by process ARGV[2], as held since ARGV[3]; {0} if not ours. */
export const HOLD = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return {0} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3])
return {1}
`;

/** Moves ARGV[1]'s seat, held or not, to process ARGV[2]; {0} if it has no seat any more. */
export const RESUME = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return {0} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local reply = {1}
for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do table.insert(reply, v) end
return reply
`;

/**
 * Frees ARGV[1]'s seat if process ARGV[2] holds it, held or not (a dead process's seat, or a
 * hold that ran out here): {0} if not (gone, or resumed elsewhere), else {1, hash...}.
 */
export const FREE_DEAD = `
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then return {0} end
if value ~= ARGV[2] and string.sub(value, 1, #ARGV[2] + 1) ~= ARGV[2] .. '|' then return {0} end
redis.call('HDEL', KEYS[1], ARGV[1])
local reply = {1}
for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do table.insert(reply, v) end
return reply
`;

/**
 * Process ARGV[1] is back (after a stall or a Redis outage) with members ARGV[3..] in this
 * room: keeps the seats still there, takes back the free ones while fewer than ARGV[2] are
 * taken, and answers {lost count, lost members..., hash...}.
 */
export const RECLAIM = `
local lost = {}
for i = 3, #ARGV do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then
    if redis.call('HLEN', KEYS[1]) < tonumber(ARGV[2]) then
      redis.call('HSET', KEYS[1], ARGV[i], ARGV[1])
    else
      table.insert(lost, ARGV[i])
    end
  end
end
local reply = {#lost}
for _, v in ipairs(lost) do table.insert(reply, v) end
for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do table.insert(reply, v) end
return reply
`;

/** Sets the alive key KEYS[1] for ARGV[1] ms; 1 if it was still there. */
export const GET_SET_ALIVE = `
local was = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
if was then return 1 end
return 0
`;

/** Single commands, as scripts: the store's connection runs scripts only (commands.ts). */
export const SADD = `return redis.call('SADD', KEYS[1], ARGV[1])`;
export const SREM = `return redis.call('SREM', KEYS[1], ARGV[1])`;
export const SMEMBERS = `return redis.call('SMEMBERS', KEYS[1])`;
export const EXISTS = `return redis.call('EXISTS', KEYS[1])`;
export const DEL = `return redis.call('DEL', KEYS[1])`;
export const HGETALL = `return redis.call('HGETALL', KEYS[1])`;

/** A script's reply as a list (empty if it is not one). */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A script's reply as a list of strings. */
export function strings(value: unknown): string[] {
  return list(value).map(String);
}

/** `[field, value]` pairs of a flat HGETALL-style reply. */
export function pairs(flat: readonly string[]): [string, string][] {
  const result: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    result.push([flat[i] as string, flat[i + 1] as string]);
  return result;
}
