/**
 * `blockqnn dashboard` as a user starts it (the CLI's source under tsx, a real
 * SQLite file and Redis): it listens on 127.0.0.1 by default, warns on stderr
 * when told to listen on every interface without a token, and refuses a
 * malformed --rate-limit before it starts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deletePrefix, eventually, testRedisSettings } from '../helpers/redis.js';

const REPO = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'blockqnn-security-cli-'));
const redis = testRedisSettings('security-cli');
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  await deletePrefix(redis);
});

function dashboard(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string } {
  const argv = JSON.stringify([
    'node',
    'blockqnn',
    'dashboard',
    '--port',
    '0',
    '--db',
    `file:${join(dir, 'runs.db')}`,
    '--redis',
    redis.url,
    '--prefix',
    redis.prefix,
    ...args,
  ]);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(${argv});`,
    ],
    {
      cwd: REPO,
      env: { ...process.env, BLOCKQNN_TOKEN: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  return { child, output: () => text };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((ok) => child.once('exit', ok));
  child.kill('SIGTERM');
  await exited;
}

describe('blockqnn dashboard', () => {
  it('listens on 127.0.0.1 by default, and the address it prints answers', async () => {
    const { child, output } = dashboard([]);
    const url = await eventually(() => /dashboard: (http:\/\/\S+)/.exec(output())?.[1], 60_000, `the dashboard URL; output:\n${output()}`);
    expect(new URL(url).hostname).toBe('127.0.0.1');
    expect(output()).toMatch(/read-only/);
    expect(output()).not.toMatch(/WARNING/);
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    await stop(child);
  });

  it('warns loudly on stderr when --host 0.0.0.0 is given without a token', async () => {
    const { child, output } = dashboard(['--host', '0.0.0.0']);
    await eventually(() => (/dashboard: http:\/\//.test(output()) ? true : undefined), 60_000, `the dashboard URL; output:\n${output()}`);
    expect(output()).toMatch(/WARNING: the dashboard listens on 0\.0\.0\.0, reachable from the network, WITHOUT a token/);
    await stop(child);
  });

  it('refuses a malformed --rate-limit before starting', async () => {
    const { child, output } = dashboard(['--rate-limit', 'lots']);
    const code = await new Promise<number | null>((ok) => child.once('exit', (c) => ok(c)));
    expect(code).not.toBe(0);
    expect(output()).toMatch(/--rate-limit must be N\/min, N\/s or off, got "lots"/);
  });
});
