/**
 * Opening the store against databases that cannot be used: each failure is a
 * BlockqnnError that names the database (never its password) and the fix.
 * Also: several processes opening one fresh SQLite file at once, and a
 * PostgreSQL store outliving the server dropping its connections.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { pgAdmin, pgUrlFor, postgresBackend } from './backends.js';
import { newRun, rejection } from './fixtures.js';
import { openInChild } from './spawn-child.js';

const NOBODY = { uid: 65534, gid: 65534 };

describe('opening a SQLite store', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'blockqnn-open-'));
    chmodSync(dir, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file, in WAL mode, from a file: URL or a bare path', async () => {
    for (const url of [`file:${join(dir, 'a.db')}`, join(dir, 'b.db')]) {
      const store = await openStore(url);
      expect(store.provider).toBe('sqlite');
      await store.createRun(newRun());
      await store.close();
    }
    const again = await openStore(join(dir, 'a.db'));
    expect(await again.listRuns()).toHaveLength(1);
    await again.close();
    const raw = new Database(join(dir, 'a.db'), { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('names a missing directory and how to create it', async () => {
    const missing = join(dir, 'no', 'such', 'dir');
    const e = await rejection(openStore(`file:${missing}/x.db`), 'UNREACHABLE');
    expect(e.message).toContain(missing);
    expect(e.hint).toContain(`mkdir -p ${missing}`);
  });

  it('says when the path is a directory or not a database', async () => {
    mkdirSync(join(dir, 'is-a-dir.db'));
    expect((await rejection(openStore(join(dir, 'is-a-dir.db')), 'UNREACHABLE')).message).toContain('cannot be opened');
    writeFileSync(join(dir, 'text.db'), 'this is not a database, just some text that is long enough to have a header\n'.repeat(20));
    const e = await rejection(openStore(join(dir, 'text.db')), 'IO_ERROR');
    expect(e.message).toContain('not a usable SQLite database');
  });

  it('says when the file or its directory is not writable', async () => {
    if (process.getuid?.() !== 0) {
      const path = join(dir, 'read-only.db');
      await (await openStore(path)).close();
      chmodSync(path, 0o444);
      const e = await rejection(openStore(path), 'UNREACHABLE');
      expect(e.message).toContain('is not writable');
      return;
    }
    // Root ignores file permissions, so as root the check runs in a child process as nobody.
    const shared = join(dir, 'shared');
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o777);
    await (await openStore(join(shared, 'owned-by-root.db'))).close();
    const readOnlyFile = await openInChild(join(shared, 'owned-by-root.db'), 'write', NOBODY);
    expect(readOnlyFile.error?.code).toBe('UNREACHABLE');
    expect(readOnlyFile.error?.message).toContain('is not writable');
    expect(readOnlyFile.error?.hint).toContain('write permission');

    const closed = join(dir, 'closed');
    mkdirSync(closed, { mode: 0o755 });
    const readOnlyDir = await openInChild(join(closed, 'new.db'), 'write', NOBODY);
    expect(readOnlyDir.error?.code).toBe('UNREACHABLE');
    expect(readOnlyDir.error?.hint).toContain('writable by this user');
  });

  it('applies migrations once when several processes open a fresh file at once', async () => {
    const url = `file:${join(dir, 'concurrent.db')}`;
    const outcomes = await Promise.all([1, 2, 3].map(() => openInChild(url, 'write')));
    expect(outcomes).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    const store = await openStore(url);
    expect(await store.listRuns()).toHaveLength(3);
    await store.close();
  });

  it('rejects URLs that name no usable database', async () => {
    await rejection(openStore('mysql://root@localhost/x'), 'INVALID_CONFIG');
    await rejection(openStore('file::memory:'), 'INVALID_CONFIG');
    await rejection(openStore(''), 'INVALID_CONFIG');
    await rejection(openStore(join(dir, 'x.db'), { keepSnapshots: 0 }), 'INVALID_CONFIG');
  });
});

describe('opening a PostgreSQL store', () => {
  it('reports a refused connection as UNREACHABLE without the password', async () => {
    const e = await rejection(openStore('postgresql://blockqnn:s3cret-pw@127.0.0.1:1/blockqnn'), 'UNREACHABLE');
    expect(e.message).toContain('postgresql://blockqnn:***@127.0.0.1:1/blockqnn');
    expect(JSON.stringify(e)).not.toContain('s3cret-pw');
    expect(e.hint).toContain('start PostgreSQL');
  });

  it('reports a missing database with the command that creates it', async () => {
    const e = await rejection(openStore(pgUrlFor(`blockqnn_missing_${process.pid}`)), 'UNREACHABLE');
    expect(e.hint).toContain(`createdb`);
    expect(e.hint).toContain(`blockqnn_missing_${process.pid}`);
  });

  it('reports an unknown role as UNREACHABLE with the credentials hint', async () => {
    const url = new URL(pgUrlFor('postgres'));
    url.username = `no_such_role_${process.pid}`;
    const e = await rejection(openStore(url.toString()), 'UNREACHABLE');
    expect(e.hint).toContain('user and password');
  });

  it('keeps working after the server drops its connections', async () => {
    const db = await postgresBackend.create();
    const store = await openStore(db.url);
    try {
      const run = await store.createRun(newRun());
      const admin = await pgAdmin();
      const database = new URL(db.url).pathname.slice(1);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
        database,
      ]);
      await admin.end();
      // The pool notices the dead connections; a call may fail once as UNREACHABLE, then recovers.
      let recovered = false;
      for (let attempt = 0; attempt < 5 && !recovered; attempt++) {
        try {
          expect((await store.getRun(run.id)).id).toBe(run.id);
          recovered = true;
        } catch (error) {
          expect((error as { code?: string }).code).toBe('UNREACHABLE');
        }
      }
      expect(recovered).toBe(true);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
