/**
 * Data reaches workers on other hosts by itself: two workers in network
 * namespaces (netns.ts), each with an empty data folder and cache of its own,
 * train candidates of a search on an ImageFolder they cannot read (it is deleted
 * once the controller has packed and published it). Each fetches the pack from
 * the run's Redis, checks its sha-256 and keeps it under `--data-dir`.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { expect, it } from 'vitest';
import { sha256File } from '../../src/datasets/packs.js';
import { pickPerClass, writePngs } from '../datasets/source-fixtures.js';
import { BIN, candidatesOf, eventually, onCleanup, readStore, runIdOf, start, startCli, startRedis } from './harness.js';
import { createHost, freeSubnet, inHost } from './netns.js';

it('workers in network namespaces with empty data folders fetch the pack from Redis, verify it and train on it', async () => {
  const tag = randomBytes(2).toString('hex');
  const n = freeSubnet();
  const a = createHost(tag, 'a', `10.200.${n}.1`, `10.200.${n}.2`);
  const b = createHost(tag, 'b', `10.200.${n}.5`, `10.200.${n}.6`);
  const redis = await startRedis({ binds: [a.hostAddress, b.hostAddress] });
  const prefix = `bqe2e-data-${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-e2e-data-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const source = join(dir, 'photos');
  await writePngs(join(source, 'train'), await pickPerClass(8, 4));
  await writePngs(join(source, 'test'), await pickPerClass(2, 4, 5000));

  const workers = [a, b].map((host) => {
    const data = join(dir, `data-${host.hostname}`);
    const proc = start(
      `worker on ${host.hostname}`,
      inHost(host)[0]!,
      [
        ...inHost(host).slice(1),
        process.execPath,
        BIN,
        'worker',
        '--engine',
        'tfjs',
        '--cpu-slots',
        '1',
        '--data-dir',
        data,
        '--redis',
        `redis://${host.hostAddress}:${redis.port}`,
        '--prefix',
        prefix,
        '--grace-seconds',
        '1',
      ],
      { BLOCKQNN_CACHE_DIR: join(dir, `cache-${host.hostname}`) },
    );
    return { host, data, proc };
  });
  for (const { proc } of workers) {
    await eventually(
      () => (/slot cpu0 ready/.test(proc.output) ? true : proc.exit ? Promise.reject(new Error(proc.output)) : undefined),
      60_000,
      `${proc.output}`,
    );
  }
  const db = `file:${join(dir, 'runs.db')}`;
  const search = startCli(
    'search',
    [
      'search',
      '--dataset',
      `folder:${source}`,
      '--engine',
      'tfjs',
      '--image-size',
      '8',
      '--epochs',
      '1',
      '--batch-size',
      '8',
      '--budget',
      '2',
      '--max-in-flight',
      '2',
      '--blocks',
      '1',
      '--base-filters',
      '4',
      '--stages',
      '2',
      '--max-index',
      '4',
      '--workers',
      '0',
      '--db',
      db,
      '--redis',
      redis.url,
      '--prefix',
      prefix,
    ],
    { BLOCKQNN_CACHE_DIR: join(dir, 'cache-controller') },
  );
  // The controller packed and published the folder: from now on nobody can read it.
  await eventually(
    () =>
      /dataset pack [0-9a-f]{12} published on Redis/.test(search.output)
        ? true
        : search.exit
          ? Promise.reject(new Error(search.output))
          : undefined,
    60_000,
    search.output,
  );
  rmSync(source, { recursive: true });
  const runId = await runIdOf(search);
  expect(await search.done(240_000), search.output).toBe(0);

  const rows = await candidatesOf(await readStore(db), runId);
  expect(
    rows.map((r) => r.status),
    search.output,
  ).toEqual(['ok', 'ok']);
  const sha256 = /pack ([0-9a-f]{12})/.exec(search.output)![1]!;
  const hosts = new Set(rows.map((r) => r.workerId!.split(':')[0]));
  expect(hosts.size).toBeGreaterThan(0);
  for (const { host, data, proc } of workers) {
    if (!hosts.has(host.hostname)) continue;
    expect(proc.output).toMatch(new RegExp(`fetching dataset pack ${sha256}`));
    const files = readdirSync(data);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^${sha256}[0-9a-f]{52}\\.bqds$`));
    expect(await sha256File(join(data, files[0]!))).toBe(files[0]!.slice(0, 64));
  }
}, 400_000);
