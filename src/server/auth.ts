/**
 * Bearer-token guard for the endpoints that change state (start, stop,
 * resume). The token comes from --token or BLOCKQNN_TOKEN; both sides are
 * hashed to equal length and compared with crypto.timingSafeEqual, so the
 * comparison takes the same time whatever prefix matches. Without a
 * configured token, changing state over HTTP is off.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpCode, HttpError } from './http-errors.js';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function tokenMatches(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

export function requireToken(token: string | undefined): RequestHandler {
  const expected = token && token.length > 0 ? token : undefined;
  return (req, _res, next) => {
    if (!expected) {
      next(
        new HttpError(
          HttpCode.UNAUTHORIZED,
          'this dashboard was started without a token, so it is read-only',
          'restart it with --token T or BLOCKQNN_TOKEN=T',
        ),
      );
      return;
    }
    const header = req.get('authorization') ?? '';
    const m = /^Bearer (.+)$/i.exec(header);
    if (!m || !tokenMatches(expected, m[1]!.trim())) {
      next(
        new HttpError(
          HttpCode.UNAUTHORIZED,
          m ? 'wrong token' : 'this action needs the dashboard token',
          'send Authorization: Bearer <token> (the page asks for it)',
        ),
      );
      return;
    }
    next();
  };
}
