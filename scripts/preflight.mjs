#!/usr/bin/env node
// `npm test`'s first step (the pretest script): checks in a few seconds that the machine has what the
// suite needs, and when something is missing exits 1 with one message naming each missing piece and
// the command that installs them all (scripts/setup-system.sh), instead of a long run ending in dozens
// of failures. It never installs anything itself. BLOCKQNN_SKIP_PREFLIGHT=1 skips it (e.g. to run
// the suite knowing some tests will fail).
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';

if (process.env.BLOCKQNN_SKIP_PREFLIGHT === '1') process.exit(0);

const SETUP = 'sudo scripts/setup-system.sh';
const TIMEOUT_MS = 8000;

/** The first executable called `name` on PATH, or null. */
function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** Runs a command; resolves to its exit code (null on timeout or spawn failure). */
function run(command, args) {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(command, args, { stdio: 'ignore' });
    } catch {
      return resolve(null);
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(null);
    }, TIMEOUT_MS);
    child.once('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Whether a TCP server answers at url's host and port; with `ping`, whether it answers a Redis PING. */
function reachable(url, defaultPort, ping) {
  return new Promise((resolve) => {
    let host = '127.0.0.1';
    let port = defaultPort;
    try {
      const u = new URL(url);
      host = u.hostname || host;
      port = Number(u.port) || defaultPort;
    } catch {
      // keep the defaults
    }
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(3000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => {
      if (!ping) return done(true);
      socket.write('PING\r\n');
    });
    socket.on('data', (data) => done(/^\+PONG|^-NOAUTH/.test(data.toString())));
  });
}

// The torch engine's own order (src/engines/torch/python.ts): BLOCKQNN_PYTHON alone, else python3, then /usr/bin/python3.
const pythons = process.env.BLOCKQNN_PYTHON ? [process.env.BLOCKQNN_PYTHON] : ['python3', '/usr/bin/python3'];
const python = pythons.join(' or ');
// find_spec, not import: importing torch takes seconds; finding it is instant.
const FIND = 'import importlib.util as u, sys; sys.exit(0 if all(u.find_spec(m) for m in sys.argv[1:]) else 1)';
const imports = async (...modules) => {
  for (const p of pythons) if ((await run(p, ['-c', FIND, ...modules])) === 0) return true;
  return false;
};
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const pgUrl = process.env.BLOCKQNN_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const fashion = '/usr/share/datasets/fashion-mnist';

const checks = [
  {
    what: "chromium (the dashboard's browser tests; or set BLOCKQNN_CHROMIUM)",
    pkg: 'chromium',
    ok: async () =>
      process.env.BLOCKQNN_CHROMIUM
        ? existsSync(process.env.BLOCKQNN_CHROMIUM)
        : Boolean(onPath('chromium')) || existsSync('/usr/bin/chromium'),
  },
  {
    what: `python3 with torch and numpy (the torch engine; ${python})`,
    pkg: 'python3-torch python3-numpy',
    ok: () => imports('torch', 'numpy'),
  },
  { what: `python3 with optuna (the pruner comparisons; ${python})`, pkg: 'python3-optuna', ok: () => imports('optuna') },
  {
    what: `the Fashion-MNIST IDX files in ${fashion}`,
    pkg: 'dataset-fashion-mnist',
    ok: async () =>
      ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].every((f) =>
        existsSync(join(fashion, f)),
      ),
  },
  { what: 'faketime (the clock-skew fault test)', pkg: 'faketime', ok: async () => Boolean(onPath('faketime')) },
  { what: 'redis-server (tests that start a private Redis)', pkg: 'redis-server', ok: async () => Boolean(onPath('redis-server')) },
  {
    what: `a Redis server at ${redisUrl} (REDIS_URL)`,
    service: 'start it: redis-server --daemonize yes',
    ok: () => reachable(redisUrl, 6379, true),
  },
  {
    what: `a PostgreSQL server at ${pgUrl.replace(/:[^:@/]*@/, ':***@')} (BLOCKQNN_TEST_PG_URL; trust auth)`,
    service: 'install and start it: apt-get install postgresql && service postgresql start',
    ok: () => reachable(pgUrl, 5432, false),
  },
];

const started = Date.now();
const results = await Promise.all(checks.map(async (c) => ({ ...c, passed: await c.ok().catch(() => false) })));
const missing = results.filter((r) => !r.passed);
if (missing.length === 0) {
  process.stderr.write(`preflight: all ${checks.length} test prerequisites present (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  process.exit(0);
}
const packages = missing.filter((m) => m.pkg).flatMap((m) => m.pkg.split(' '));
const lines = [
  `preflight: the test suite needs ${missing.length} thing(s) this machine lacks:`,
  ...missing.map((m) => `  - ${m.what}${m.pkg ? ` [Debian package ${m.pkg}]` : ` (${m.service})`}`),
  '',
  ...(packages.length > 0 ? [`Install the packages with: ${SETUP}   (apt-get install ${packages.join(' ')})`] : []),
  ...missing.filter((m) => m.service).map((m) => `Then ${m.service}.`),
  'See README "Tests". To run the suite anyway: BLOCKQNN_SKIP_PREFLIGHT=1 npm test',
];
process.stderr.write(`${lines.join('\n')}\n`);
process.exit(1);
