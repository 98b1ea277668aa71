/**
 * Limits every API request meets before a route runs: a cap on the URL length
 * (query strings included; bodies are capped by the JSON parser of the routes
 * that take one) and a per-client rate limit (express-rate-limit, in memory, one
 * window per minute; by default only on an address other machines reach).
 * Both answer with the API's JSON error body: 414 for a long URL, 429 with
 * Retry-After for too many requests.
 *
 * @example
 * app.use('/api', urlLengthLimit(), apiRateLimit(600));
 */
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import { HttpCode, HttpError } from './http-errors.js';

/** Longest request URL (path and query) the API reads; its longest real query, a candidate cursor, is under 1,100 characters. */
export const MAX_URL_LENGTH = 4096;
/** Requests per minute per client address on an exposed address when the server is not told otherwise. */
export const DEFAULT_RATE_LIMIT = 600;

/**
 * The limit in force: the one given, else 600 a minute where other machines
 * can connect and none on loopback, where the clients are this machine's own
 * users (benchmarks, tests, a browser through an SSH tunnel).
 */
export function effectiveRateLimit(given: number | undefined, loopback: boolean): number {
  return given ?? (loopback ? 0 : DEFAULT_RATE_LIMIT);
}

export function urlLengthLimit(max = MAX_URL_LENGTH): RequestHandler {
  return (req, _res, next) => {
    if (req.originalUrl.length > max) {
      next(
        new HttpError(
          HttpCode.URI_TOO_LONG,
          `the request URL is ${req.originalUrl.length} characters long, more than ${max}`,
          'shorten the query string',
        ),
      );
      return;
    }
    next();
  };
}

/** At most `perMinute` API requests per client address and minute; 0 turns the limit off. */
export function apiRateLimit(perMinute: number): RequestHandler {
  if (perMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) =>
      next(
        new HttpError(
          HttpCode.RATE_LIMITED,
          `too many requests: more than ${perMinute} a minute from this address`,
          'wait as long as the Retry-After header says, or start the dashboard with a higher --rate-limit',
        ),
      ),
  });
}

/** Parses `--rate-limit`: `N/min`, `N/s`, `N` (per minute) or `0` / `off`. */
export function parseRateLimit(text: string): number {
  const m = /^\s*(\d+)\s*(?:\/\s*(min|m|minute|s|sec|second))?\s*$/i.exec(text);
  if (text.trim().toLowerCase() === 'off') return 0;
  const n = m ? Number(m[1]) * (/^s/i.test(m[2] ?? '') ? 60 : 1) : NaN;
  if (!Number.isSafeInteger(n))
    throw new BlockqnnError(ErrorCode.INVALID_INPUT, `--rate-limit must be N/min, N/s or off, got "${text}"`, {
      hint: 'e.g. --rate-limit 600/min',
    });
  return n;
}
