/**
 * Redis with a password and over TLS, against private redis-servers of this
 * test (free loopback ports, no persistence, killed at the end): a queue and a
 * worker reach a password-protected server with the password in the URL or
 * in REDIS_PASSWORD and trade a job; without it, or with a wrong one, the
 * error says authentication failed and where the password goes. Over TLS
 * (`rediss://`, a CA and server certificate made here with openssl) the
 * connection verifies against BLOCKQNN_REDIS_TLS_CA and is refused without it.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../src/common/errors.js';
import { JOB_CONTRACT } from '../../src/queue/contract.js';
import { EvaluationQueue, type JobReport } from '../../src/queue/evaluation-queue.js';
import { EvaluationWorker } from '../../src/queue/evaluation-worker.js';
import {
  REDIS_PASSWORD_ENV,
  REDIS_TLS_CA_ENV,
  type RedisSettings,
  assertRedisReachable,
  createRedis,
  redisOptions,
} from '../../src/queue/redis.js';
import { parseTask } from '../../src/task/task.js';
import { splitPassword } from '../../src/worker/supervisor.js';
import { descendsFrom } from '../../src/bench/reliability/run-helpers.js';
import { listWorkers } from '../../src/queue/worker-registry.js';
import { eventually } from '../helpers/redis.js';

const REPO = join(import.meta.dirname, '../..');
if (!existsSync(join(REPO, 'dist/cli/main.js')))
  throw new Error('this test starts the built CLI: run `npm run build` first (dist/cli/main.js is missing)');

/** Command lines of a process (first) and all its descendants, read from /proc. */
function commandLines(root: number): string[] {
  const descendants = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => pid !== root && descendsFrom(pid, root));
  return [root, ...descendants].flatMap((pid) => {
    try {
      return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')];
    } catch {
      return []; // exited meanwhile
    }
  });
}

const PASSWORD = 'pw-9d2f/+=:@x';
const dir = mkdtempSync(join(tmpdir(), 'blockqnn-security-redis-'));
const servers: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** A redis-server of this test; resolves once it accepts connections (PING may still need AUTH). */
async function startRedis(args: string[], port: number): Promise<void> {
  const proc = spawn('redis-server', ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.push(proc);
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  await eventually(
    () => {
      if (proc.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
      return /Ready to accept connections/.test(output) ? true : undefined;
    },
    10_000,
    `redis-server on ${port}`,
  );
}

const withEnv = async <T>(env: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> => {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
};

async function refusal(settings: RedisSettings): Promise<BlockqnnError> {
  try {
    await assertRedisReachable(settings, 2000);
  } catch (error) {
    expect(error).toBeInstanceOf(BlockqnnError);
    return error as BlockqnnError;
  }
  throw new Error(`expected ${settings.url} to be refused`);
}

/** A lookup job through the real queue and worker: proves both ends connected, authenticated, and traded data. */
async function roundTrip(settings: RedisSettings): Promise<void> {
  const queue = new EvaluationQueue(settings, 'sec');
  const reports: JobReport[] = [];
  const stop = await queue.listen((r) => reports.push(r));
  const worker = new EvaluationWorker(
    settings,
    async () => ({ status: 'ok', accuracy: 0.75, curve: [], trainSeconds: 0, evalSeconds: 0, imagesPerSecond: null }),
    { engine: 'sec', engineDescription: 'security test', slot: 'cpu0' },
  );
  await worker.start();
  try {
    await queue.enqueue({
      contract: JOB_CONTRACT,
      runId: 'sec-run',
      candidateHash: 'ab'.repeat(8),
      candidateKey: 'k',
      engine: 'sec',
      seed: 0,
      timeLimitSeconds: 60,
      task: parseTask({ kind: 'lookup', table: '/nonexistent.csv', fitness: 'f' }),
    });
    const report = await eventually(() => reports.find((r) => r.kind === 'result'), 15_000, 'the result');
    expect(report.kind === 'result' && report.result.accuracy).toBe(0.75);
  } finally {
    await stop();
    await worker.close(100);
    await queue.obliterate().catch(() => undefined);
    await queue.close();
  }
}

afterAll(() => {
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis password', () => {
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    await startRedis(['--port', String(port), '--requirepass', PASSWORD], port);
  });

  it('without the password, or with a wrong one: "authentication failed" and where the password goes', async () => {
    for (const url of [`redis://127.0.0.1:${port}`, `redis://:wrong@127.0.0.1:${port}`]) {
      const error = await refusal({ url, prefix: 'sec' });
      expect(error.message).toMatch(/authentication failed/);
      expect(error.message).not.toContain('wrong');
      expect(error.hint).toMatch(/REDIS_PASSWORD/);
    }
  });

  it('with the password in the URL (percent-encoded) a queue and a worker trade a job', async () => {
    const settings = { url: `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`, prefix: 'sec-url' };
    await assertRedisReachable(settings);
    await roundTrip(settings);
  });

  it("blockqnn worker keeps the password out of its slots' command lines (ps), and its slots still connect", async () => {
    const prefix = 'sec-worker';
    const url = `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`;
    const worker = spawn(
      process.execPath,
      [
        join(REPO, 'bin/blockqnn.js'),
        'worker',
        '--engine',
        'table',
        '--cpu-slots',
        '2',
        '--redis',
        url,
        '--prefix',
        prefix,
        '--grace-seconds',
        '1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    worker.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await eventually(
        () =>
          (output.match(/slot cpu\d+ ready/g)?.length ?? 0) >= 2
            ? true
            : worker.exitCode !== null
              ? Promise.reject(new Error(output))
              : undefined,
        60_000,
        `two slots ready; output:\n${output}`,
      );
      const lines = commandLines(worker.pid!);
      expect(lines.length).toBeGreaterThanOrEqual(3);
      // The supervisor's own line holds what the user typed; the slots' lines, which it writes, hold no password.
      for (const line of lines.slice(1)) expect(line).not.toContain(PASSWORD.slice(0, 6));
      const client = createRedis({ url, prefix });
      try {
        await eventually(async () => ((await listWorkers(client, prefix)).length === 2 ? true : undefined), 15_000, 'two registered slots');
      } finally {
        client.disconnect();
      }
    } finally {
      const exited = new Promise((ok) => worker.once('exit', ok));
      worker.kill('SIGTERM');
      await exited;
    }
  });

  it('splitPassword takes the password out of a URL and leaves the rest', () => {
    expect(splitPassword('redis://:p%40ss@h:6379/2')).toEqual({ url: 'redis://h:6379/2', password: 'p@ss' });
    expect(splitPassword('rediss://user:pw@h:6380')).toEqual({ url: 'rediss://user@h:6380', password: 'pw' });
    expect(splitPassword('redis://h:6379')).toEqual({ url: 'redis://h:6379', password: undefined });
  });

  it("with the password in REDIS_PASSWORD instead, the same; the URL's own password wins", async () => {
    const settings = { url: `redis://127.0.0.1:${port}`, prefix: 'sec-env' };
    await withEnv({ [REDIS_PASSWORD_ENV]: PASSWORD }, async () => {
      await assertRedisReachable(settings);
      await roundTrip(settings);
      expect(redisOptions({ url: `redis://:other@127.0.0.1:${port}`, prefix: 'x' }).password).toBe('other');
    });
  });
});

const tlsBuilt =
  spawnSync('redis-server', ['--version']).status === 0 &&
  /tls|ssl/i.test(spawnSync('ldd', [spawnSync('which', ['redis-server']).stdout.toString().trim()]).stdout?.toString() ?? '');

describe.runIf(tlsBuilt)('Redis over TLS (rediss://)', () => {
  let port: number;
  const ca = join(dir, 'ca.pem');
  beforeAll(async () => {
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=blockqnn test CA',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    );
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
    const ext = join(dir, 'san.ext');
    execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ${ext}`]);
    openssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      ext,
      '-out',
      'server.pem',
    );
    port = await freePort();
    await startRedis(
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        join(dir, 'server.pem'),
        '--tls-key-file',
        join(dir, 'server.key'),
        '--tls-ca-cert-file',
        ca,
        '--tls-auth-clients',
        'no',
        '--requirepass',
        PASSWORD,
      ],
      port,
    );
  });

  it('connects and trades a job with the CA from BLOCKQNN_REDIS_TLS_CA and the password', async () => {
    const settings = { url: `rediss://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`, prefix: 'sec-tls' };
    await withEnv({ [REDIS_TLS_CA_ENV]: ca }, async () => {
      await assertRedisReachable(settings);
      await roundTrip(settings);
    });
  });

  it('refuses a server certificate it cannot verify (no CA given), naming the problem', async () => {
    const error = await withEnv({ [REDIS_TLS_CA_ENV]: undefined }, () =>
      refusal({ url: `rediss://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`, prefix: 'x' }),
    );
    expect(error.message).toMatch(/certificate/i);
    expect(error.hint).toMatch(/--redis-tls-ca/);
  });

  it('a CA file that cannot be read, or a CA with plain redis://, is a configuration error', async () => {
    await withEnv({ [REDIS_TLS_CA_ENV]: join(dir, 'missing.pem') }, async () => {
      expect(() => redisOptions({ url: `rediss://127.0.0.1:${port}`, prefix: 'x' })).toThrow(
        /cannot read the Redis TLS CA file .*missing\.pem/,
      );
      expect(() => redisOptions({ url: `redis://127.0.0.1:${port}`, prefix: 'x' })).toThrow(/plain redis:\/\//);
    });
    const client = createRedis({ url: `redis://127.0.0.1:${port}`, prefix: 'x' });
    client.disconnect();
  });
});

describe('TLS options reach ioredis', () => {
  it("rediss:// turns TLS on, with the CA file's bytes when one is given", () => {
    expect(redisOptions({ url: 'rediss://h:6380', prefix: 'x' }, {}).tls).toEqual({});
    expect(redisOptions({ url: 'redis://h:6379', prefix: 'x' }, {}).tls).toBeUndefined();
    const withCa = redisOptions(
      { url: 'rediss://h:6380', prefix: 'x' },
      { [REDIS_TLS_CA_ENV]: join(import.meta.dirname, 'security-redis.test.ts') },
    ).tls as { ca: Buffer };
    expect(withCa.ca.toString()).toContain('Redis over TLS');
    expect(redisOptions({ url: 'redis://[::1]:6379', prefix: 'x' }, {}).host).toBe('::1');
  });
});
