/**
 * PostgreSQL TLS options as users write them in the URL, against the
 * machine's server (which runs with ssl = off): a URL that asks for TLS is
 * refused with an error that says the server has SSL off; a certificate file
 * that cannot be read and an unknown sslmode are configuration errors naming
 * the parameter, before any connection; sslmode=disable opens as before.
 */
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
    expect(() => parseDatabaseUrl(withQuery('sslmode=maybe'))).toThrow(/sslmode=maybe is not one of disable, prefer, require, verify-ca, verify-full, no-verify/);
  });

  it('sslmode=disable connects as a URL without it does', async () => {
    const store = await openStore(withQuery('sslmode=disable'));
    expect(store.provider).toBe('postgresql');
    await store.close();
  });
});
