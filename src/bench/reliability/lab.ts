/**
 * Real processes for the fault scenarios, outside any test framework (the bench
 * runs them too): the built CLI (`bin/blockqnn.js`, so `npm run build` first),
 * private redis-servers and PostgreSQL clusters on free loopback ports, temporary
 * directories. A Lab owns everything it started: every process is its own process
 * group and `close()` kills each group with -9, then undoes the rest in reverse.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { BlockqnnError, ErrorCode } from '../../common/errors.js';

/** The checkout (or installed package) root: this file sits four folders below it, as src/ or dist/. */
export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const BIN = join(ROOT, 'bin/blockqnn.js');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns something other than undefined; fails naming `what` after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new BlockqnnError(ErrorCode.INTERNAL, `timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A started process: its output so far, its exit, and waits on both. */
export class Proc {
  stdout = '';
  stderr = '';
  exit: Exit | null = null;
  /** When it exited (ms epoch). */
  exitedAt: number | null = null;
  readonly exited: Promise<Exit>;

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((done) => {
      child.on('exit', (code, signal) => {
        this.exitedAt = Date.now();
        done((this.exit = { code, signal }));
      });
      child.on('error', () => done((this.exit ??= { code: null, signal: null })));
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get output(): string {
    return `${this.stdout}${this.stderr}`;
  }

  /** Waits until the output matches `pattern`; fails early, with the output, when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    return eventually(
      () => {
        const m = this.output.match(pattern);
        if (m) return m;
        if (this.exit)
          throw new BlockqnnError(
            ErrorCode.INTERNAL,
            `${this.label} exited (${this.exit.code ?? this.exit.signal}) before printing ${pattern}:\n${this.output}`,
          );
        return undefined;
      },
      timeoutMs,
      `${this.label} to print ${pattern}; output so far:\n${this.output}`,
    );
  }

  /** How many times the output matches `pattern` (global). */
  count(pattern: RegExp): number {
    return this.output.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))?.length ?? 0;
  }

  /** Waits for the exit and returns the code; fails with the output after `timeoutMs`. */
  async done(timeoutMs = 60_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BlockqnnError(ErrorCode.INTERNAL, `${this.label} did not exit within ${timeoutMs} ms; output:\n${this.output}`)),
        timeoutMs,
      );
    });
    try {
      return (await Promise.race([this.exited, timeout])).code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** kill -9 of this process only. */
  kill9(): void {
    if (!this.exit) process.kill(this.pid, 'SIGKILL');
  }

  /** kill -9 of the whole process group (the process and every child it forked). */
  killGroup(): void {
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export interface PrivateRedis {
  port: number;
  url: string;
  proc: Proc;
}

export interface PrivatePostgres {
  port: number;
  /** URL of database `name` on the cluster (created by {@link PrivatePostgres.createDatabase}). */
  url(name: string): string;
  createDatabase(name: string): void;
  stop(): void;
  start(): void;
}

/** Processes, directories and clean-ups of one scenario; `close()` undoes all of it. */
export class Lab {
  private readonly procs = new Set<Proc>();
  private readonly cleanups: (() => Promise<void> | void)[] = [];

  onCleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(fn);
  }

  /** Starts a command in its own process group. */
  start(label: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const proc = new Proc(label, child);
    this.procs.add(proc);
    return proc;
  }

  /** `node bin/blockqnn.js ARGS` (or another build's launcher) in the background. */
  cli(label: string, args: string[], env: NodeJS.ProcessEnv = {}, bin = BIN): Proc {
    return this.start(label, process.execPath, [bin, ...args], env);
  }

  /** A temporary directory, removed at close. */
  tempDir(tag: string): string {
    const dir = mkdtempSync(join(tmpdir(), `blockqnn-fault-${tag}-`));
    chmodSync(dir, 0o755);
    this.onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  /**
   * A redis-server of the scenario's own on loopback. With `dir`, it persists every
   * write (append-only file, fsync always) there, so a restart keeps the data.
   */
  async redis(options: { port?: number; dir?: string } = {}): Promise<PrivateRedis> {
    const port = options.port ?? (await freePort());
    const persistence = options.dir
      ? ['--dir', options.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '']
      : ['--save', '', '--appendonly', 'no'];
    const proc = this.start(`redis-server :${port}`, 'redis-server', [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--protected-mode',
      'no',
      ...persistence,
    ]);
    await eventually(
      async () => {
        if (proc.exit) throw new BlockqnnError(ErrorCode.INTERNAL, `redis-server on ${port} exited:\n${proc.output}`);
        return (await pingRedis(port)) ? true : undefined;
      },
      10_000,
      `redis-server on port ${port}`,
    );
    return { port, url: `redis://127.0.0.1:${port}`, proc };
  }

  /**
   * A PostgreSQL cluster of the scenario's own (initdb in a temporary directory,
   * run as the `postgres` user, trust auth, loopback on a free port): the
   * machine's server is never touched. Stopped (immediate) at close.
   */
  async postgres(): Promise<PrivatePostgres> {
    const bin = postgresBin();
    const dir = this.tempDir('pg');
    execFileSync('chown', ['postgres', dir]);
    const data = join(dir, 'data');
    const port = await freePort();
    const asPostgres = (tool: string, args: string[]) =>
      execFileSync('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
    const cluster: PrivatePostgres = {
      port,
      url: (name) => `postgresql://postgres@127.0.0.1:${port}/${name}`,
      createDatabase: (name) => void asPostgres('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', name]),
      stop: () => void asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
      start: () => void asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']),
    };
    cluster.start();
    this.onCleanup(() => {
      try {
        asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
    });
    return cluster;
  }

  /** Kills every process group (-9), waits for the exits, then runs the clean-ups in reverse. */
  async close(): Promise<void> {
    for (const p of this.procs) p.killGroup();
    await Promise.all([...this.procs].map((p) => Promise.race([p.exited, sleep(5000)])));
    this.procs.clear();
    for (const fn of this.cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch {
        // keep undoing the rest
      }
    }
  }
}

async function pingRedis(port: number): Promise<boolean> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** The newest installed PostgreSQL's bin directory (initdb, pg_ctl), or an error saying how to install it. */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? execFileSync('ls', [root], { encoding: 'utf8' })
        .split('\n')
        .filter((v) => existsSync(join(root, v, 'bin/initdb')))
    : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest)
    throw new BlockqnnError(
      ErrorCode.ENGINE_UNAVAILABLE,
      'the PostgreSQL scenario needs initdb and pg_ctl under /usr/lib/postgresql/*/bin',
      { hint: 'apt-get install -y postgresql' },
    );
  return join(root, newest, 'bin');
}

/** A free TCP port on loopback (the kernel's choice, released at once). */
export function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resident memory of a process in MB, from /proc (null once it is gone). */
export function rssMb(pid: number): number | null {
  try {
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    return Number.isFinite(kb) ? Math.round(kb / 102.4) / 10 : null;
  } catch {
    return null;
  }
}
