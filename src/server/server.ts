/**
 * The dashboard server: security headers, the JSON API, server-sent events
 * and the built front-end (dashboard/dist) on one express app. Binds to
 * 127.0.0.1 unless told otherwise.
 *
 * @example
 * const server = createServer({ store, redis: redisSettings(), token: process.env.BLOCKQNN_TOKEN });
 * const { url } = await server.start({ port: 8080 });
 * // ... later
 * await server.close();
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { RedisSettings } from '../queue/redis.js';
import type { Store } from '../store/index.js';
import { BUNDLED_DATA_DIR } from '../engines/table/index.js';
import { errorMiddleware } from './http-errors.js';
import { apiRateLimit, effectiveRateLimit, urlLengthLimit } from './request-limits.js';
import { RunControl } from './run-control.js';
import { apiRouter } from './routes.js';
import { Services } from './services.js';
import { StreamHub } from './stream-hub.js';
import { streamRouter } from './streams.js';

export interface ServerOptions {
  store: Store;
  redis: RedisSettings;
  /** Bearer token for start/stop/resume; without one those endpoints answer 401. */
  token?: string | undefined;
  /** Identifies controllers this server runs (host:pid). */
  controllerId?: string;
  /** Local worker slots started beside each controller the dashboard runs (default 0: external workers). */
  localWorkers?: number;
  /** Server-side poll interval of the event streams (default 1000 ms). */
  streamIntervalMs?: number;
  /** Newest runs whose chart digests are built in the background at start (default 10; 0: none). */
  warmRuns?: number;
  /** API requests per minute per client address; 0: no limit. Default: 600 on an address other machines reach, none on loopback. */
  rateLimit?: number;
  /** The folder POST /api/runs may name lookup tables in (default: the package's data/, holding the bundled NAS-Bench-201 table). */
  dataDir?: string;
  /** Folder of the built front-end (default: dashboard/dist of this checkout). */
  staticDir?: string;
  log?: (line: string) => void;
}

export interface DashboardServer {
  app: Express;
  services: Services;
  hub: StreamHub;
  control: RunControl;
  start(options?: { port?: number; host?: string }): Promise<{ url: string; port: number; host: string }>;
  close(): Promise<void>;
}

export const DEFAULT_STATIC_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../dashboard/dist');

export const isLoopback = (address: string): boolean => /^127\./.test(address) || address === '::1' || address === '::ffff:127.0.0.1';

/** What to tell the user when the dashboard is reachable from other machines. */
export function exposureWarning(address: string, hasToken: boolean): string[] {
  if (isLoopback(address)) return [];
  if (!hasToken) {
    return [
      `WARNING: the dashboard listens on ${address}, reachable from the network, WITHOUT a token:`,
      'WARNING: anyone who reaches it can read every run and download every export (start, stop and resume stay off).',
      'WARNING: bind 127.0.0.1 (the default) and tunnel to it, or set --token / BLOCKQNN_TOKEN and put TLS in front.',
    ];
  }
  return [
    `dashboard: listening on ${address}, reachable from the network; the token travels in clear over plain HTTP, so put TLS in front (a reverse proxy) or tunnel`,
  ];
}

/** A port that cannot be bound, said as such (not a stack trace): in use, or privileged. */
export function listenError(error: Error, port: number, host: string): BlockqnnError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new BlockqnnError(ErrorCode.INVALID_INPUT, `port ${port} is in use on ${host}`, {
      hint: 'choose another --port (0 picks a free one), or stop what listens there',
      cause: error,
    });
  }
  if (code === 'EACCES') {
    return new BlockqnnError(ErrorCode.INVALID_INPUT, `port ${port} on ${host} needs privileges this process does not have`, {
      hint: 'choose a --port above 1023 (0 picks a free one)',
      cause: error,
    });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new BlockqnnError(ErrorCode.INVALID_INPUT, `cannot listen on ${host}: no such address on this host`, {
      hint: 'give --host an address of this machine, e.g. 127.0.0.1 or 0.0.0.0',
      cause: error,
    });
  }
  return new BlockqnnError(ErrorCode.IO_ERROR, `cannot listen on ${host}:${port}: ${error.message}`, { cause: error });
}

export function createServer(options: ServerOptions): DashboardServer {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const services = new Services(options.store, options.redis);
  const hub = new StreamHub(options.streamIntervalMs ?? 1000, log);
  const control = new RunControl(services, {
    controllerId: options.controllerId ?? `dashboard:${process.pid}`,
    log,
    localWorkers: options.localWorkers ?? 0,
    dataDir: options.dataDir ?? BUNDLED_DATA_DIR,
  });
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    helmet({
      // Plain HTTP on loopback: no HSTS, and no upgrade of same-origin requests to https.
      strictTransportSecurity: false,
      contentSecurityPolicy: {
        directives: { 'upgrade-insecure-requests': null, 'img-src': ["'self'", 'data:'], 'connect-src': ["'self'"] },
      },
    }),
  );
  // The limiter depends on the address, known once listening: until then nothing is served anyway.
  let limiter: RequestHandler = (_req, _res, next) => next();
  app.use(
    '/api',
    urlLengthLimit(),
    (req, res, next) => limiter(req, res, next),
    streamRouter(services, hub),
    apiRouter(services, control, options.token),
  );
  const staticDir = options.staticDir ?? DEFAULT_STATIC_DIR;
  if (existsSync(join(staticDir, 'index.html'))) {
    app.use(
      express.static(staticDir, {
        index: 'index.html',
        maxAge: '1h',
        setHeaders: (res, path) => path.endsWith('.html') && res.setHeader('Cache-Control', 'no-cache'),
      }),
    );
  } else {
    app.get(
      '/',
      (_req, res) =>
        void res
          .type('text/plain')
          .send('The dashboard front-end is not built: run `npm run build` in the checkout.\nThe API is at /api.\n'),
    );
  }
  app.use(errorMiddleware(log));

  let server: Server | undefined;
  let warming: Promise<void> = Promise.resolve();
  return {
    app,
    services,
    hub,
    control,
    async start({ port = 8080, host = '127.0.0.1' } = {}) {
      server = await new Promise<Server>((ok, fail) => {
        // Express 5 calls this back with the listen error too (a port in use), before any address exists.
        const s = app.listen(port, host, (error?: Error) => (error ? fail(listenError(error, port, host)) : ok(s)));
      });
      warming = services.warmDigests(options.warmRuns ?? 10, log);
      const address = server.address() as AddressInfo;
      for (const line of exposureWarning(address.address, Boolean(options.token))) log(line);
      limiter = apiRateLimit(effectiveRateLimit(options.rateLimit, isLoopback(address.address)));
      const shownHost = address.address.includes(':') ? `[${address.address}]` : address.address;
      return { url: `http://${shownHost}:${address.port}`, port: address.port, host: address.address };
    },
    async close() {
      hub.close();
      await control.stopAll();
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((ok) => server!.close(() => ok()));
      }
      await services.close();
      await warming;
    },
  };
}
