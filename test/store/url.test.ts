import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_URL, parseDatabaseUrl, redactUrl } from '../../src/store/index.js';

describe('database URLs', () => {
  it('maps file: URLs and bare paths to SQLite files relative to the working directory', () => {
    expect(parseDatabaseUrl(DEFAULT_DATABASE_URL)).toEqual({
      provider: 'sqlite',
      path: resolve('blockqnn.db'),
      display: 'file:./blockqnn.db',
    });
    expect(parseDatabaseUrl('file:/var/lib/x.db?connection_limit=1')).toMatchObject({ provider: 'sqlite', path: '/var/lib/x.db' });
    expect(parseDatabaseUrl('runs/a.db')).toMatchObject({ provider: 'sqlite', path: resolve('runs/a.db') });
  });

  it('maps postgres:// and postgresql:// to PostgreSQL, keeping driver options', () => {
    const url = 'postgresql://me:pw@db.example:5433/nas?sslmode=require';
    expect(parseDatabaseUrl(url)).toEqual({
      provider: 'postgresql',
      connectionString: url,
      display: 'postgresql://me:***@db.example:5433/nas?sslmode=require',
    });
    expect(parseDatabaseUrl('postgres://localhost/nas').provider).toBe('postgresql');
  });

  it('rejects what it cannot serve, with a hint', () => {
    for (const url of ['', 'mysql://root@localhost/x', 'file::memory:', 'postgresql://localhost/x?schema=other']) {
      try {
        parseDatabaseUrl(url);
        throw new Error(`accepted ${url}`);
      } catch (error) {
        expect((error as { code: string }).code).toBe('INVALID_CONFIG');
        expect((error as { hint?: string }).hint).toBeTruthy();
      }
    }
  });

  it('never prints a password', () => {
    expect(redactUrl('postgresql://u:p%40ss@h/db')).toBe('postgresql://u:***@h/db');
    expect(redactUrl('postgresql://u@h/db')).toBe('postgresql://u@h/db');
    expect(redactUrl('postgresql://u:pa ss@h:notaport/db')).not.toContain('pa ss');
    expect(redactUrl('file:./x.db')).toBe('file:./x.db');
  });
});
