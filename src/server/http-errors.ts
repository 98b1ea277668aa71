/**
 * The HTTP edge of the error model: every thrown value becomes one JSON body
 * `{ error: { code, message, hint? } }` with a status from the code table, and
 * never a stack trace. Internal errors are logged on the server with their
 * stack and reach the client as a bare "internal error".
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { ErrorCode, toBlockqnnError } from '../common/errors.js';
import { parseWith } from '../common/parse.js';

/** Additional codes only the HTTP layer produces. */
export const HttpCode = {
  UNAUTHORIZED: 'UNAUTHORIZED',
  CONFLICT: 'CONFLICT',
  URI_TOO_LONG: 'URI_TOO_LONG',
  RATE_LIMITED: 'RATE_LIMITED',
} as const;

const STATUS: Record<string, number> = {
  [ErrorCode.INVALID_ARCHITECTURE]: 400,
  [ErrorCode.INVALID_INPUT]: 400,
  [ErrorCode.INVALID_CONFIG]: 400,
  [ErrorCode.UNKNOWN_NAME]: 400,
  [ErrorCode.TOO_LARGE]: 413,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.ENGINE_UNAVAILABLE]: 503,
  [ErrorCode.UNREACHABLE]: 503,
  [ErrorCode.IO_ERROR]: 500,
  [ErrorCode.INTERNAL]: 500,
  [HttpCode.UNAUTHORIZED]: 401,
  [HttpCode.CONFLICT]: 409,
  [HttpCode.URI_TOO_LONG]: 414,
  [HttpCode.RATE_LIMITED]: 429,
};

/** An error with an HTTP-only code (401, 409, 414, 429) that still renders like every other. */
export class HttpError extends Error {
  constructor(
    readonly code: (typeof HttpCode)[keyof typeof HttpCode],
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Parses `value` with `schema` or throws INVALID_INPUT (a 400) naming the fields at fault. */
export const validate = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> => parseWith(schema, value, { what });

/** Wraps an async route so its rejections reach the error middleware. */
export const route =
  (handler: RequestHandler): RequestHandler =>
  (req, res, next) => {
    Promise.resolve(handler(req, res, next)).catch(next);
  };

export function errorMiddleware(log: (line: string) => void): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    let status: number;
    let body: { code: string; message: string; hint?: string };
    const e = error as { type?: string; status?: number; message?: string; length?: number; limit?: number };
    if (error instanceof HttpError) {
      status = STATUS[error.code]!;
      body = { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
    } else if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500 && typeof e.type === 'string') {
      // body-parser: malformed JSON, too large, wrong charset.
      status = e.status;
      body =
        e.type === 'entity.too.large'
          ? {
              code: ErrorCode.TOO_LARGE,
              message: `the request body is ${e.length ?? 'more than'} bytes, over the limit of ${e.limit ?? '?'} bytes`,
              hint: 'send a smaller JSON body',
            }
          : {
              code: e.status === 413 ? ErrorCode.TOO_LARGE : ErrorCode.INVALID_INPUT,
              message: e.type === 'entity.parse.failed' ? 'the request body is not valid JSON' : (e.message ?? 'bad request'),
            };
    } else {
      const b = toBlockqnnError(error);
      status = STATUS[b.code] ?? 500;
      if (status >= 500) log(`dashboard: ${b.code}: ${b.cause instanceof Error && b.cause.stack ? b.cause.stack : b.message}`);
      body =
        status === 500 && b.code === ErrorCode.INTERNAL
          ? { code: b.code, message: 'internal error (see the server log)' }
          : { code: b.code, message: b.message, ...(b.hint ? { hint: b.hint } : {}) };
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json({ error: body });
  };
}
