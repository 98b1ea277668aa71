/**
 * Workers on other "hosts": two network namespaces, each with its own address
 * on a veth link to this host and its own hostname (a UTS namespace), run one
 * `blockqnn worker` each against a private redis-server bound only to the
 * host-side veth addresses. The workers see neither the host's loopback (so
 * neither its Redis on 127.0.0.1:6379 nor its database) nor each other: they
 * reach Redis over the link, and the controller on the host records results
 * from both. Needs root (CAP_NET_ADMIN); without it this test fails, saying so.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { candidatesOf, onCleanup, readStore, runIdOf, start, startCli, startRedis, startWorker, tableSearchArgs } from './harness.js';

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

interface Host {
  ns: string;
  hostname: string;
  /** Address of the host's end of the link (where Redis listens) and of the namespace's end. */
  hostAddress: string;
  nsAddress: string;
}

/** Creates a namespace with a veth pair to this host, /30 addresses on both ends; removed when the test ends. */
function createHost(tag: string, name: string, hostAddress: string, nsAddress: string): Host {
  const ns = `bqe2e-${tag}-${name}`;
  const hostIf = `bq${tag}${name}h`;
  const nsIf = `bq${tag}${name}n`;
  try {
    ip('netns', 'add', ns);
    onCleanup(() => {
      try {
        ip('link', 'del', hostIf); // deletes both ends of the pair
      } catch {
        // gone with the namespace already
      }
      ip('netns', 'del', ns);
    });
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    ip('link', 'set', nsIf, 'netns', ns);
    ip('addr', 'add', `${hostAddress}/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${nsAddress}/30`, 'dev', nsIf);
    ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up');
    ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(
      `this test needs network namespaces and veth links (root or CAP_NET_ADMIN, iproute2); creating ${ns} failed: ${e.stderr?.trim() || e.message}`,
    );
  }
  return { ns, hostname: `bqhost-${tag}-${name}`, hostAddress, nsAddress };
}

/** Runs a command inside the host's network namespace under its own hostname. */
const inHost = (host: Host): string[] => ['ip', 'netns', 'exec', host.ns, 'unshare', '--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', host.hostname];

/** A 10.200.N.0/29 block no interface of this machine uses yet. */
function freeSubnet(): number {
  const used = ip('-4', '-o', 'addr');
  for (;;) {
    const n = 1 + Math.floor(Math.random() * 250);
    if (!used.includes(`10.200.${n}.`)) return n;
  }
}

it('workers in two network namespaces reach Redis over veth links and both take jobs', async () => {
  const tag = randomBytes(2).toString('hex');
  const n = freeSubnet();
  const a = createHost(tag, 'a', `10.200.${n}.1`, `10.200.${n}.2`);
  const b = createHost(tag, 'b', `10.200.${n}.5`, `10.200.${n}.6`);
  const redis = await startRedis({ binds: [a.hostAddress, b.hostAddress] });
  const prefix = `bqe2e-hosts-${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-e2e-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const db = `file:${join(dir, 'hosts.db')}`;

  // Inside a namespace the host's loopback Redis does not exist: the worker says so and exits 2.
  const isolated = start('worker without a route', inHost(a)[0]!, [...inHost(a).slice(1), process.execPath, 'bin/blockqnn.js', 'worker', '--engine', 'table', '--redis', 'redis://127.0.0.1:6379', '--prefix', prefix]);
  expect(await isolated.done(30_000)).toBe(2);
  expect(isolated.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:6379/);

  await Promise.all([
    startWorker(`worker on ${a.hostname}`, { redis: `redis://${a.hostAddress}:${redis.port}`, prefix, slots: 1, wrap: inHost(a) }),
    startWorker(`worker on ${b.hostname}`, { redis: `redis://${b.hostAddress}:${redis.port}`, prefix, slots: 1, wrap: inHost(b) }),
  ]);
  const budget = 20;
  const search = startCli('search', tableSearchArgs({ db, redis: redis.url, prefix, budget, delayMs: 60, maxInFlight: 4 }));
  const runId = await runIdOf(search);
  expect(await search.done(60_000), search.output).toBe(0);

  const rows = await candidatesOf(await readStore(db), runId);
  expect(rows).toHaveLength(budget);
  expect(new Set(rows.map((r) => r.hash)).size).toBe(budget);
  expect(rows.every((r) => r.status === 'ok')).toBe(true);
  const hosts = rows.map((r) => r.workerId!.split(':')[0]);
  expect(new Set(hosts)).toEqual(new Set([a.hostname, b.hostname]));

  // Redis saw the workers' connections arrive from the namespaces' own addresses.
  const client = new Redis(redis.url);
  try {
    const peers = new Set(((await client.client('LIST')) as string).split('\n').map((l) => /addr=([\d.]+):/.exec(l)?.[1]).filter(Boolean));
    expect(peers).toContain(a.nsAddress);
    expect(peers).toContain(b.nsAddress);
  } finally {
    client.disconnect();
  }
});
