/**
 * PostgreSQL TLS options as users write them in the URL. Against the
 * machine's server (which runs with ssl = off): a URL that asks for TLS is
 * refused with an error that says the server has SSL off; a certificate file
 * that cannot be read and an unknown sslmode are configuration errors naming
 * the parameter, before any connection; sslmode=disable opens as before.
 * Against a private server of this test with ssl = on (initdb in a temporary
 * folder, a CA and certificate made with openssl): verify-full with the CA
 * opens an encrypted store, a URL without the CA is refused naming sslrootcert.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockqnnError, ErrorCode } from '../../src/common/errors.js';
import { openStore } from '../../src/store/index.js';
import { parseDatabaseUrl } from '../../src/store/url.js';
import { type TestDatabase, postgresBackend } from '../store/backends.js';

// A database of this test's own: opening a store migrates it.
let db: TestDatabase;
beforeAll(async () => {
  db = await postgresBackend.create();
});
afterAll(async () => db?.drop());

const withQuery = (query: string) => `${db.url}${db.url.includes('?') ? '&' : '?'}${query}`;

async function refusal(url: string): Promise<BlockqnnError> {
  try {
    const store = await openStore(url);
    await store.close();
  } catch (error) {
    expect(error).toBeInstanceOf(BlockqnnError);
    return error as BlockqnnError;
  }
  throw new Error(`expected ${url} to be refused`);
}

describe('PostgreSQL SSL options', () => {
  it('sslmode=require against a server with SSL off: unreachable, saying so', async () => {
    const error = await refusal(withQuery('sslmode=require'));
    expect(error.code).toBe(ErrorCode.UNREACHABLE);
    expect(error.message).toMatch(/does not support SSL/);
    expect(error.hint).toMatch(/ssl = on|sslmode/);
  });

  it('an unreadable sslrootcert, sslcert or sslkey names the parameter and the file', async () => {
    for (const name of ['sslrootcert', 'sslcert', 'sslkey']) {
      const error = await refusal(withQuery(`sslmode=verify-full&${name}=/nonexistent/ca.pem`));
      expect(error.code).toBe(ErrorCode.INVALID_CONFIG);
      expect(error.message).toMatch(new RegExp(`${name} file /nonexistent/ca.pem cannot be read`));
    }
  });

  it('an unknown sslmode is refused with the valid ones listed', () => {
    expect(() => parseDatabaseUrl(withQuery('sslmode=maybe'))).toThrow(
      /sslmode=maybe is not one of disable, prefer, require, verify-ca, verify-full, no-verify/,
    );
  });

  it('sslmode=disable connects as a URL without it does', async () => {
    const store = await openStore(withQuery('sslmode=disable'));
    expect(store.provider).toBe('postgresql');
    await store.close();
  });
});

const PG_BIN = existsSync('/usr/lib/postgresql')
  ? readdirSync('/usr/lib/postgresql')
      .map((v) => join('/usr/lib/postgresql', v, 'bin'))
      .find((d) => existsSync(join(d, 'initdb')))
  : undefined;

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

describe.runIf(PG_BIN !== undefined)('a private PostgreSQL with ssl = on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-pg-ssl-'));
  const data = join(dir, 'data');
  let server: ChildProcess | undefined;
  let port: number;
  // initdb refuses to run as root: then the server runs as the postgres user.
  const asPostgres = (command: string, args: string[]): [string, string[]] =>
    userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  const url = (query: string) => `postgresql://postgres@127.0.0.1:${port}/postgres?${query}`;

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
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
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
      'san.ext',
      '-out',
      'server.pem',
    );
    chmodSync(join(dir, 'server.key'), 0o600);
    if (userInfo().uid === 0) {
      const pgUser = Number(execFileSync('id', ['-u', 'postgres']).toString());
      for (const f of ['', 'server.key', 'server.pem']) chownSync(join(dir, f), pgUser, -1);
      chmodSync(dir, 0o755);
    }
    const [initdb, initArgs] = asPostgres(join(PG_BIN!, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    execFileSync(initdb, initArgs, { stdio: 'pipe' });
    port = await freePort();
    const [postgres, args] = asPostgres(join(PG_BIN!, 'postgres'), [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'ssl=on',
      '-c',
      `ssl_cert_file=${join(dir, 'server.pem')}`,
      '-c',
      `ssl_key_file=${join(dir, 'server.key')}`,
    ]);
    server = spawn(postgres, args, { stdio: 'ignore', detached: true });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = new pg.Client({ connectionString: url('sslmode=disable') });
      try {
        await client.connect();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }, 60_000);

  afterAll(() => {
    // Its own process group (runuser and the server's children): nothing else is touched.
    if (server?.pid) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('verify-full with the CA in sslrootcert opens the store over TLS', async () => {
    const secure = url(`sslmode=verify-full&sslrootcert=${join(dir, 'ca.pem')}`);
    const store = await openStore(secure);
    expect(store.provider).toBe('postgresql');
    await store.close();
    const client = new pg.Client({ connectionString: secure });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows[0]).toEqual({ ssl: true });
    } finally {
      await client.end();
    }
  });

  it('a server certificate it cannot verify is refused, naming sslrootcert', async () => {
    const error = await refusal(url('sslmode=verify-full'));
    expect(error.code).toBe(ErrorCode.UNREACHABLE);
    expect(error.message).toMatch(/certificate/i);
    expect(error.hint).toMatch(/sslrootcert/);
  });
});
