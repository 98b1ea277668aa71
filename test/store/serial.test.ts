import { describe, expect, it } from 'vitest';
import { Serial } from '../../src/store/serial.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('Serial', () => {
  it('runs one task at a time, even when a task waits on timers', async () => {
    const serial = new Serial();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name} start`);
      await tick();
      log.push(`${name} end`);
      return name;
    };
    expect(await Promise.all([serial.run(task('a')), serial.run(task('b')), serial.run(task('c'))])).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('goes on after a task fails, and reports the failure to its caller only', async () => {
    const serial = new Serial();
    const failed = serial.run(async () => {
      await tick();
      throw new Error('boom');
    });
    const next = serial.run(async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('next');
  });
});
