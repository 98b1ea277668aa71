/**
 * Database URLs: which backend a URL names, and how to print it without its
 * password. Accepted forms:
 * - `file:./blockqnn.db`, `file:/abs/path.db`, or a bare path (`runs/x.db`) → SQLite,
 *   relative to the working directory;
 * - `postgres://` or `postgresql://` → PostgreSQL (node-postgres options such as
 *   `sslmode=require` pass through).
 */
import { resolve } from 'node:path';
import { BlockqnnError, ErrorCode } from '../common/errors.js';

export type DatabaseTarget =
  | { provider: 'sqlite'; path: string; display: string }
  | { provider: 'postgresql'; connectionString: string; display: string };

/** The URL used when none is given: a SQLite file in the working directory. */
export const DEFAULT_DATABASE_URL = 'file:./blockqnn.db';

/** Replaces the password of a URL with `***` so it can appear in messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a WHATWG URL (a bare path or a malformed string): hide anything between ':' and '@'.
    return url.replace(/(\/\/[^:/@]*):[^@]*@/, '$1:***@');
  }
}

export function parseDatabaseUrl(url: string): DatabaseTarget {
  const trimmed = url.trim();
  if (trimmed === '') {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, 'the database URL is empty', {
      hint: `use ${DEFAULT_DATABASE_URL} (SQLite) or postgresql://user@host:5432/db`,
    });
  }
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    const display = redactUrl(trimmed);
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `malformed PostgreSQL URL ${display}`, {
        hint: 'the form is postgresql://user:password@host:5432/database; percent-encode special characters in the password',
      });
    }
    const schema = parsed.searchParams.get('schema');
    if (schema !== null && schema !== 'public') {
      // Prisma users may expect ?schema= to work; silently using "public" instead would mix runs.
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `${display}: the schema parameter is not supported`, {
        hint: 'use a separate database per deployment instead of ?schema=',
      });
    }
    return { provider: 'postgresql', connectionString: trimmed, display };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed);
  if (scheme) {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `unsupported database URL scheme "${scheme[1]}" in ${redactUrl(trimmed)}`, {
      hint: `use ${DEFAULT_DATABASE_URL} (SQLite) or postgresql://user@host:5432/db`,
    });
  }
  // file: URLs as Prisma writes them (file:./x.db, file:/abs/x.db); query parameters are not used.
  const path = trimmed.replace(/^file:/i, '').replace(/\?.*$/, '');
  if (path === '' || path === ':memory:') {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `"${trimmed}" names no SQLite file`, {
      hint: 'give a file path; for a throw-away database use a file in a temporary directory',
    });
  }
  return { provider: 'sqlite', path: resolve(path), display: trimmed };
}
