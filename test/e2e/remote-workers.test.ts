/**
 * Workers on other "hosts": two network namespaces, each with its own address
 * on a veth link to this host and its own hostname (a UTS namespace), run one
 * `blockqnn worker` each against a private redis-server bound only to the
 * host-side veth addresses. The workers see neither the host's loopback (so
 * neither its Redis on 127.0.0.1:6379 nor its database) nor each other: they
 * reach Redis over the link, and the controller on the host records results
 * from both. Needs root (CAP_NET_ADMIN); without it this test fails, saying so.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { createHost, freeSubnet, inHost } from './netns.js';
import { candidatesOf, onCleanup, readStore, runIdOf, start, startCli, startRedis, startWorker, tableSearchArgs } from './harness.js';

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
  const isolated = start('worker without a route', inHost(a)[0]!, [
    ...inHost(a).slice(1),
    process.execPath,
    'bin/blockqnn.js',
    'worker',
    '--engine',
    'table',
    '--redis',
    'redis://127.0.0.1:6379',
    '--prefix',
    prefix,
  ]);
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
    const peers = new Set(
      ((await client.client('LIST')) as string)
        .split('\n')
        .map((l) => /addr=([\d.]+):/.exec(l)?.[1])
        .filter(Boolean),
    );
    expect(peers).toContain(a.nsAddress);
    expect(peers).toContain(b.nsAddress);
  } finally {
    client.disconnect();
  }
});
