/**
 * The pruning board's Lua scripts (pruning-board.ts), each one atomic round
 * trip. Keys of one run share the hash tag {runId}, so they live in one slot of
 * a Redis Cluster. Values travel as JavaScript's shortest round-trip decimal
 * strings; an empty string stands for a NaN (no value).
 */

/**
 * REPORT — a candidate at the end of an epoch where its pruner decides.
 * KEYS: 1 reported values at the epoch (hash candidate → value), 2 completed candidates' values at the epoch,
 *       3 the set of completed candidates.
 * ARGV: 1 candidate hash, 2 value ('' = NaN: not recorded), 3 '1' to read the reported values,
 *       4 '1' to read the completed values, 5 TTL in seconds.
 * Returns { completed count, reported values, completed values }, read after the write.
 */
export const REPORT_SCRIPT = `
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('EXPIRE', KEYS[1], ARGV[5])
end
local reported = {}
if ARGV[3] == '1' then reported = redis.call('HVALS', KEYS[1]) end
local completed = {}
if ARGV[4] == '1' then completed = redis.call('HVALS', KEYS[2]) end
return { redis.call('SCARD', KEYS[3]), reported, completed }
`;

/**
 * RECORD — a whole curve: the candidate's reported value at every epoch, and when it completed the
 * recipe, its value at every epoch among the completed candidates' and its hash in the completed set.
 * KEYS: 1 the set of completed candidates, then per epoch i (1-based) 2i reported, 2i+1 completed values.
 * ARGV: 1 candidate hash, 2 TTL in seconds, 3 '1' when it completed, 4.. the value at each epoch ('' = NaN).
 * A NaN is not a reported value (as in a live report) but counts among the completed values as 'nan'.
 */
export const RECORD_SCRIPT = `
local n = #ARGV - 3
for i = 1, n do
  local v = ARGV[3 + i]
  if v ~= '' then
    redis.call('HSET', KEYS[2 * i], ARGV[1], v)
    redis.call('EXPIRE', KEYS[2 * i], ARGV[2])
  end
  if ARGV[3] == '1' then
    redis.call('HSET', KEYS[2 * i + 1], ARGV[1], v == '' and 'nan' or v)
    redis.call('EXPIRE', KEYS[2 * i + 1], ARGV[2])
  end
end
if ARGV[3] == '1' then
  redis.call('SADD', KEYS[1], ARGV[1])
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return n
`;
