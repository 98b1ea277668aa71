/**
 * Database URLs: which backend a URL names, and how to print it without its
 * password. Accepted forms:
 * - `file:./blockqnn.db`, `file:/abs/path.db`, or a bare path (`runs/x.db`) → SQLite,
 *   relative to the working directory;
 * - `postgres://` or `postgresql://` → PostgreSQL (node-postgres options such as
 *   `sslmode=require` pass through). TLS: `sslmode` disable | prefer | require |
 *   verify-ca | verify-full | no-verify (node-postgres checks the certificate for
 *   all but no-verify), `sslrootcert=FILE` for a private CA, `sslcert` / `sslkey`
 *   for a client certificate; the files are checked here so a typo names the file.
 */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { BlockqnnError, ErrorCode } from '../common/errors.js';

export type DatabaseTarget =
  { provider: 'sqlite'; path: string; display: string } | { provider: 'postgresql'; connectionString: string; display: string };

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

const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/** node-postgres reads the certificate files while it parses the URL and throws a bare ENOENT; name the parameter instead. */
function checkSslParameters(parsed: URL, display: string): void {
  const mode = parsed.searchParams.get('sslmode');
  if (mode !== null && !SSL_MODES.includes(mode)) {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `${display}: sslmode=${mode} is not one of ${SSL_MODES.join(', ')}`, {
      hint: 'sslmode=verify-full with sslrootcert=/path/ca.pem checks the server certificate and host name',
    });
  }
  for (const name of ['sslrootcert', 'sslcert', 'sslkey']) {
    const file = parsed.searchParams.get(name);
    if (file === null) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (error) {
      throw new BlockqnnError(
        ErrorCode.INVALID_CONFIG,
        `${display}: ${name} file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        {
          hint: `give the path of a readable PEM file in ${name}=`,
        },
      );
    }
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
    checkSslParameters(parsed, display);
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
