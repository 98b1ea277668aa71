/**
 * The reachability probe behind every "cannot reach Redis" error leaves nothing
 * running: ioredis's 2 s disconnect timer used to keep the CLI alive after it had
 * printed the error. Checked in a child process of its own, whose timers and
 * sockets are only the probe's.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

it('an unreachable Redis is reported and the probe leaves no timer or socket behind', () => {
  const probe = `
    const { assertRedisReachable } = await import(${JSON.stringify(resolve(import.meta.dirname, '../../src/queue/redis.ts'))});
    const error = await assertRedisReachable({ url: 'redis://127.0.0.1:1', prefix: 'probe' }).then(() => null, (e) => e);
    // Timers fire in order of expiry: by this one, a short disconnect timer has gone, a 2 s one has not.
    setTimeout(() => console.log(JSON.stringify({ code: error?.code, left: process.getActiveResourcesInfo().filter((r) => /Timeout|TCP/.test(r)) })), 300);
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { encoding: 'utf8' });
  // The one Timeout left is the check's own, still running.
  expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ code: 'UNREACHABLE', left: ['Timeout'] });
});
