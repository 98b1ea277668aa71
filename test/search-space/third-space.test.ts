/**
 * "Adding a third space touches one folder and one registry line": a
 * throwaway space (a chain of convs and pools, written here as a folder of its
 * own would be) is registered in this file only, and the paths that used to
 * branch on a space's name — the export's JSON and its rebuild, the exported
 * figure, `inspect`, the store's IR rebuild, reading a stored run — work
 * through it with no edit anywhere else. (Searching it also takes a decision
 * space of the same name in the controller: see the conformance test.)
 * Vitest runs each file in its own module graph, so the registration does not
 * leak into other tests.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inspect } from '../../src/cli/commands/inspect.js';
import { BlockqnnError, InvalidArchitectureError } from '../../src/common/errors.js';
import { architectureJson, rebuildFromExport } from '../../src/export/index.js';
import { architectureSvg } from '../../src/export/picture.js';
import type { ExportSubject } from '../../src/export/index.js';
import {
  INPUT_ID,
  IrBuilder,
  type SearchSpaceEntry,
  networkCost,
  rebuildStoredIr,
  runSpaceOf,
  searchSpaces,
} from '../../src/search-space/index.js';

/** `c3-p3-c1`: a conv (c) or average pool (p) of the given kernel, one after another; kept as its own network, like NAS-Bench-201's. */
function parseChain(key: string): { op: 'c' | 'p'; k: number }[] {
  const parts = key.trim().toLowerCase().split('-');
  if (!parts.every((p) => /^[cp][135]$/.test(p)))
    throw new InvalidArchitectureError(`invalid chain "${key}": write ops like c3-p3-c1 (c conv, p pool; kernel 1, 3 or 5)`);
  return parts.map((p) => ({ op: p[0] as 'c' | 'p', k: Number(p[1]) }));
}
const chainSpace: SearchSpaceEntry = {
  description: 'a chain of convs and pools (a throwaway space for this test)',
  example: 'c3-p3-c1',
  storesIr: false,
  networkInTaskKey: false,
  settings: [],
  fixedNetwork: 'a chain, whose network is the chain itself',
  decisionSettings: () => ({}),
  canonical: (key) =>
    parseChain(key)
      .map((l) => `${l.op}${l.k}`)
      .join('-'),
  hash: (key) =>
    createHash('sha256')
      .update(`chain:${chainSpace.canonical(key, {})}`)
      .digest('hex')
      .slice(0, 32),
  build(key, _s, network, filters = 4) {
    const b = new IrBuilder(`chain ${key}`, network.inputShape ?? [8, 8, 1]);
    let x: string = INPUT_ID;
    parseChain(key).forEach((l, i) => {
      x = b.scoped(`l${i}`, () =>
        l.op === 'c'
          ? b.relu(b.conv(x, { filters, kernel: l.k, padding: (l.k - 1) / 2 }))
          : b.avgPool(x, { kernel: l.k, stride: 1, padding: (l.k - 1) / 2 }),
      );
    });
    return b.build(b.scoped('head', () => b.dense(b.globalAvgPool(x), { units: network.classes ?? 10 })));
  },
  density: () => 1,
  costModel: (s, network) => (key) => {
    const { macs, params } = networkCost(chainSpace.build(key, s, network));
    return { macs, params };
  },
  blockGraph(key) {
    const chain = parseChain(key);
    return {
      nodes: chain.map((l, i) => ({ id: `l${i}`, label: `${l.op}${l.k}`, kind: l.op === 'c' ? 'conv' : 'pool' })),
      edges: chain.slice(1).map((_, i) => ({ from: `l${i}`, to: `l${i + 1}` })),
    };
  },
  picture(key) {
    const graph = chainSpace.blockGraph(key, {});
    return {
      title: `Chain ${key}`,
      edges: graph.edges,
      nodes: graph.nodes.map((n) => ({ ...n, label: `chain ${n.label}`, kind: n.kind as 'conv' | 'pool' })),
    };
  },
  layerTypes: (key) => parseChain(key).map((l) => l.op),
};

// The one registry line.
searchSpaces.register('chain', chainSpace);

const NETWORK = { inputShape: [8, 8, 1] as [number, number, number], classes: 3 };
const KEY = 'C3-p3-c1';

function subjectOf(key: string): ExportSubject {
  const checked = chainSpace.build(key, {}, NETWORK);
  const cost = networkCost(checked);
  const config = { space: 'chain', network: NETWORK, maxIndex: 23, task: { dataset: { name: 'mnist' } } };
  return {
    run: { id: 'run1', name: 'chain run', seed: 1, engine: 'table', strategy: 'random', taskKey: 'k', config },
    candidate: {
      id: 1,
      hash: chainSpace.hash(key, {}),
      sequence: 1,
      nsc: key,
      status: 'ok',
      accuracy: 0.5,
      reward: 0.5,
      flops: cost.macs,
      params: cost.params,
      density: 1,
      metrics: null,
      baseline: null,
    },
    checked,
    training: null,
    weights: null,
  };
}

describe('a third search space, registered in one line', () => {
  it('exports through the registry: architecture.json keeps its canonical key and network, and rebuilds the same hash and IR', async () => {
    const subject = subjectOf(KEY);
    const json = await architectureJson(subject);
    expect(json.architecture).toMatchObject({ space: 'chain', code: KEY, canonical: 'c3-p3-c1', hash: subject.candidate.hash });
    // A space that reads no settings records none of the run's (the run's maxIndex belongs to NSC).
    expect(json.architecture).not.toHaveProperty('maxIndex');
    expect(json.network).toEqual({ inputShape: [8, 8, 1], classes: 3 });
    const rebuilt = rebuildFromExport(JSON.parse(JSON.stringify(json)));
    expect(rebuilt.hash).toBe(subject.candidate.hash);
    expect(rebuilt.ir).toEqual(subject.checked.ir);
  });

  it('draws its own block in the exported figure', () => {
    const svg = architectureSvg(subjectOf(KEY));
    for (const label of ['Chain C3-p3-c1', 'chain c3', 'chain p3', 'chain c1']) expect(svg).toContain(`>${label}<`);
  });

  it("inspects a key with its canonical form, hash and cost, and refuses a layout with the space's own words", () => {
    const report = inspect(KEY, { space: 'chain', input: [8, 8, 1], classes: 3 });
    const cost = networkCost(chainSpace.build(KEY, {}, NETWORK));
    expect(report).toMatchObject({
      space: 'chain',
      canonical: 'c3-p3-c1',
      hash: chainSpace.hash(KEY, {}),
      outputShape: [3],
      params: cost.params,
      flops: cost.macs,
    });
    expect(() => inspect(KEY, { space: 'chain', layout: 'imagenet' })).toThrow(
      /a chain, whose network is the chain itself; a layout stacks an NSC block/,
    );
    expect(() => inspect('x9', { space: 'chain' })).toThrow(InvalidArchitectureError);
  });

  it('reads a stored run of the space, and rebuilds the IR its candidate rows do not keep', () => {
    const config = subjectOf(KEY).run.config;
    expect(runSpaceOf(config)).toMatchObject({ name: 'chain', settings: {}, network: NETWORK });
    expect(rebuildStoredIr(config, KEY)).toEqual(chainSpace.build(KEY, {}, NETWORK).ir);
    expect(rebuildStoredIr(config, 'nonsense')).toBeNull();
  });

  it('is listed with the spaces, so an unknown name still lists every valid one', () => {
    expect(searchSpaces.list()).toEqual(['chain', 'nasbench201', 'nsc']);
    const error = (() => {
      try {
        return inspect(KEY, { space: 'darts' });
      } catch (e) {
        return e;
      }
    })() as BlockqnnError;
    expect(error.code).toBe('UNKNOWN_NAME');
    expect(error.hint).toContain('chain, nasbench201, nsc');
  });
});
