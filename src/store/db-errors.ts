/**
 * Turns what the database drivers and Prisma throw into BlockqnnErrors a user
 * can act on: UNREACHABLE when the database cannot be reached or opened (with
 * the URL, password hidden, and the fix), IO_ERROR when the disk fails us,
 * NOT_FOUND / INVALID_INPUT where the caller asked for something impossible.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { DatabaseTarget } from './url.js';

interface ErrorFacts {
  /** Prisma's P-code, a SQLite result code, a PostgreSQL SQLSTATE or a Node errno code. */
  code: string | undefined;
  /** The driver adapter's classification (DatabaseNotReachable, UniqueConstraintViolation, ...). */
  kind: string | undefined;
  originalCode: string | undefined;
  message: string;
}

export function errorFacts(error: unknown): ErrorFacts {
  const e = (error ?? {}) as {
    code?: unknown;
    message?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
  };
  const cause = e.meta?.driverAdapterError?.cause;
  return {
    code: typeof e.code === 'string' ? e.code : undefined,
    kind: typeof cause?.kind === 'string' ? cause.kind : undefined,
    originalCode: typeof cause?.originalCode === 'string' ? cause.originalCode : undefined,
    message: typeof e.message === 'string' ? e.message : String(error),
  };
}

export const isUniqueViolation = (error: unknown): boolean => errorFacts(error).code === 'P2002';
export const isRecordMissing = (error: unknown): boolean => errorFacts(error).code === 'P2025';

const UNREACHABLE_PRISMA_CODES = new Set(['P1000', 'P1001', 'P1002', 'P1003', 'P1008', 'P1010', 'P1011', 'P1017', 'P2024']);
const UNREACHABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'DatabaseDoesNotExist',
  'DatabaseAccessDenied',
  'AuthenticationFailed',
  'TlsConnectionError',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
const NODE_NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
// SQLSTATE classes 08 (connection), 57P (server shutting down), 53300 (too many connections), 28 (auth), 3D000 (no database).
const PG_UNREACHABLE_STATE = /^(08|57P|53300|28|3D000)/;

/** The message a user needs, without Prisma's multi-line "Invalid `db.x()` invocation" preamble. */
function essence(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? message;
}

function postgresHint(target: Extract<DatabaseTarget, { provider: 'postgresql' }>, facts: ErrorFacts): string {
  const code = facts.originalCode ?? facts.code ?? '';
  if (
    code === '3D000' ||
    facts.kind === 'DatabaseDoesNotExist' ||
    facts.code === 'P1003' ||
    /database .* does not exist/.test(facts.message)
  ) {
    const name = new URL(target.connectionString).pathname.slice(1) || '<name>';
    return `create it first, e.g. createdb -h <host> -U <user> ${name}, or point DATABASE_URL at an existing database`;
  }
  if (/does not support SSL/i.test(facts.message)) {
    return 'the server has SSL off: enable it (ssl = on in postgresql.conf) or drop sslmode from the URL';
  }
  if (/SSL|certificate|self[- ]signed/i.test(facts.message)) {
    return 'the server certificate did not verify: give its CA with sslrootcert=/path/ca.pem in the URL (sslmode=verify-full checks the host name too)';
  }
  if (
    /^28/.test(code) ||
    facts.kind === 'AuthenticationFailed' ||
    facts.kind === 'DatabaseAccessDenied' ||
    /password|authentication/i.test(facts.message)
  ) {
    return "check the user and password in DATABASE_URL and the server's pg_hba.conf";
  }
  return 'start PostgreSQL or check host and port in DATABASE_URL (postgresql://user:password@host:5432/db); without DATABASE_URL blockqnn uses a SQLite file';
}

function sqliteProblem(
  target: Extract<DatabaseTarget, { provider: 'sqlite' }>,
  facts: ErrorFacts,
  cause: unknown,
): BlockqnnError | undefined {
  const code = facts.originalCode ?? facts.code ?? '';
  const where = `SQLite database ${target.path}`;
  if (code.startsWith('SQLITE_FULL') || /database or disk is full/.test(facts.message)) {
    return new BlockqnnError(ErrorCode.IO_ERROR, `${where}: the disk is full`, {
      cause,
      hint: 'free space on that volume, then resume the run',
      details: { diskFull: true },
    });
  }
  if (code.startsWith('SQLITE_READONLY') || /readonly database/.test(facts.message)) {
    return new BlockqnnError(ErrorCode.UNREACHABLE, `${where} is not writable`, {
      cause,
      hint: 'give this user write permission on the file and its directory (SQLite writes -wal and -shm files beside it), or choose another path',
    });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || /unable to open database|directory does not exist/.test(facts.message)) {
    return new BlockqnnError(ErrorCode.UNREACHABLE, `${where} cannot be opened: ${essence(facts.message)}`, {
      cause,
      hint: 'check that the directory exists and is writable by this user, or choose another path',
    });
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new BlockqnnError(ErrorCode.IO_ERROR, `${where}: the file is not a usable SQLite database (${essence(facts.message)})`, {
      cause,
      hint: 'point DATABASE_URL at another file; restore this one from a backup if it held runs',
    });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || facts.kind === 'SocketTimeout') {
    return new BlockqnnError(ErrorCode.UNREACHABLE, `${where} stayed locked by another process past the busy timeout`, {
      cause,
      hint: 'another blockqnn process is writing a long transaction; retry, or use PostgreSQL for many concurrent writers',
    });
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new BlockqnnError(ErrorCode.IO_ERROR, `${where}: I/O error ${code}`, {
      cause,
      hint: 'check the disk and the filesystem holding the file',
    });
  }
  return undefined;
}

/**
 * Maps any error from a database operation. `action` says what was attempted
 * ("open", "commit a result") and becomes part of an INTERNAL message.
 */
export function storeError(error: unknown, target: DatabaseTarget, action: string): BlockqnnError {
  if (error instanceof BlockqnnError) return error;
  const facts = errorFacts(error);
  if (target.provider === 'sqlite') {
    const problem = sqliteProblem(target, facts, error);
    if (problem) return problem;
  } else {
    const code = facts.originalCode ?? facts.code ?? '';
    const unreachable =
      UNREACHABLE_PRISMA_CODES.has(facts.code ?? '') ||
      (facts.kind !== undefined && UNREACHABLE_KINDS.has(facts.kind)) ||
      NODE_NET_CODES.has(code) ||
      PG_UNREACHABLE_STATE.test(code) ||
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Can't reach database server|terminating connection due to administrator command|the database system is (shutting down|starting up)|server closed the connection unexpectedly|connection error and is not queryable/i.test(
        facts.message,
      ) ||
      /does not support SSL|SSL|certificate|self[- ]signed/i.test(facts.message);
    if (unreachable) {
      return new BlockqnnError(ErrorCode.UNREACHABLE, `PostgreSQL database ${target.display} is unreachable: ${essence(facts.message)}`, {
        hint: postgresHint(target, facts),
        details: { url: target.display, code },
        cause: error,
      });
    }
  }
  return new BlockqnnError(ErrorCode.INTERNAL, `database error while trying to ${action} (${target.display}): ${essence(facts.message)}`, {
    details: { code: facts.code, kind: facts.kind },
    cause: error,
  });
}
