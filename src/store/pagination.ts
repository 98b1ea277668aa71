/**
 * Candidate pages for the dashboard: sorted and filtered in the database and
 * paged by keyset cursors, so page 2,000 of 100,000 candidates costs what
 * page 1 costs. Every sort is completed by `sequence` (unique within a run),
 * which makes the order total and matches the (runId, key, sequence) indexes.
 *
 * Sorting by reward or accuracy lists only the candidates that have one:
 * NULLs sort differently on SQLite and PostgreSQL, and `NULLS LAST` would
 * keep PostgreSQL from walking the index backwards.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { Prisma } from './db.js';
import { CANDIDATE_COLUMNS, SORT_COLUMNS, inList } from './sql.js';
import type { CandidateSortKey, CandidateStatus } from './types.js';

type Order = 'asc' | 'desc';

interface CursorState {
  /** Sort key and order the cursor was made for. */
  k: CandidateSortKey;
  o: Order;
  /** Value of the sort key and sequence of the last row on the previous page. */
  v: number | null;
  s: number;
}

export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decodeCursor(cursor: string, sort: CandidateSortKey, order: Order): CursorState {
  let state: Partial<CursorState>;
  try {
    state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorState>;
  } catch {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'malformed page cursor', { hint: 'pass nextCursor from the previous page unchanged' });
  }
  const valid =
    typeof state === 'object' &&
    state !== null &&
    typeof state.s === 'number' &&
    Number.isInteger(state.s) &&
    (state.v === null || (typeof state.v === 'number' && Number.isFinite(state.v)));
  if (!valid)
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, 'malformed page cursor', { hint: 'pass nextCursor from the previous page unchanged' });
  if (state.k !== sort || state.o !== order) {
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `the page cursor was made for sort ${state.k} ${state.o}, not ${sort} ${order}`, {
      hint: 'start again without a cursor after changing the sort',
    });
  }
  return state as CursorState;
}

export interface PageSql {
  /** WHERE condition of the filter alone: what `total` counts. */
  filter: Prisma.Sql;
  /** The whole page query. */
  page: Prisma.Sql;
}

export interface NormalisedQuery {
  sort: CandidateSortKey;
  order: Order;
  status?: CandidateStatus | CandidateStatus[] | undefined;
  cursor?: string | undefined;
  limit: number;
  offset?: number | undefined;
}

/** The statuses a query filters on, or undefined for all. */
export const statusesOf = (query: NormalisedQuery): CandidateStatus[] | undefined =>
  query.status === undefined ? undefined : [...new Set(Array.isArray(query.status) ? query.status : [query.status])];

/** SQL for one page; reads one row more than `limit` to know whether another page follows. */
export function pageSql(runId: string, query: NormalisedQuery): PageSql {
  const { sort, order } = query;
  const key = SORT_COLUMNS[sort];
  // Baselines live beside the search's candidates but are not among them (see listBaselines).
  const conditions: Prisma.Sql[] = [Prisma.sql`"runId" = ${runId}`, Prisma.sql`"baseline" IS NULL`];
  const statuses = statusesOf(query);
  if (statuses) conditions.push(Prisma.sql`"status" IN ${inList(statuses)}`);
  if (sort === 'reward' || sort === 'accuracy') conditions.push(Prisma.sql`${key} IS NOT NULL`);
  const filter = Prisma.join(conditions, ' AND ');

  const direction = Prisma.raw(order === 'asc' ? 'ASC' : 'DESC');
  const orderBy = sort === 'sequence' ? Prisma.sql`"sequence" ${direction}` : Prisma.sql`${key} ${direction}, "sequence" ${direction}`;
  let where = filter;
  if (query.cursor !== undefined) {
    const cursor = decodeCursor(query.cursor, sort, order);
    const after = Prisma.raw(order === 'asc' ? '>' : '<');
    if (sort === 'sequence' || cursor.v === null) {
      where = Prisma.sql`${filter} AND "sequence" ${after} ${cursor.s}`;
    } else {
      // key <= v AND (key < v OR sequence < s): the first term bounds the index range, the rest breaks ties.
      const bound = Prisma.raw(order === 'asc' ? '>=' : '<=');
      where = Prisma.sql`${filter} AND ${key} ${bound} ${cursor.v} AND (${key} ${after} ${cursor.v} OR "sequence" ${after} ${cursor.s})`;
    }
  }
  const page = Prisma.sql`SELECT ${CANDIDATE_COLUMNS} FROM "Candidate" WHERE ${where} ORDER BY ${orderBy} LIMIT ${query.limit + 1} OFFSET ${query.offset ?? 0}`;
  return { filter, page };
}

/** The cursor that continues after `row`. */
export function cursorAfter(
  row: { sequence: number; reward: number | null; accuracy: number | null; flops: number },
  sort: CandidateSortKey,
  order: Order,
): string {
  const v = sort === 'sequence' ? null : row[sort];
  return encodeCursor({ k: sort, o: order, v, s: row.sequence });
}
