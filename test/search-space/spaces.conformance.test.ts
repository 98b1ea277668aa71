/**
 * Every registered search space (search-space/spaces/) keeps the contract the
 * orchestrator, store, export and server rely on: keys parse to a canonical
 * form with a stable hash, malformed keys fail with a named error, the network
 * builds and its cost model agrees with networkCost, the block graph is a
 * graph, and the controller has a decision space of the same name whose
 * proposals are keys of this space; and every capability the export, the
 * store, inspect and the server look up is there (the exported picture, the
 * settings read from a stored run, layouts or a fixed network, the IR rebuilt
 * for rows that keep none). A third space passes this file or does not ship.
 */
import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../src/common/errors.js';
import { decisionSpaces, strategies } from '../../src/controller/index.js';
import { networkCost, rebuildStoredIr, resolveLayout, runSpaceOf, searchSpaces } from '../../src/search-space/index.js';

const NETWORK = { inputShape: [16, 16, 3] as [number, number, number], classes: 10, blocksPerStage: 1, baseFilters: 8, stages: 2 };

describe.each(searchSpaces.list())('search space %s', (name) => {
  const space = searchSpaces.get(name);
  const settings = {};

  it('parses its example to a canonical key with a stable hash, and names what is wrong with a malformed key', () => {
    const canonical = space.canonical(space.example, settings);
    expect(space.canonical(canonical, settings)).toBe(canonical);
    expect(space.hash(space.example, settings)).toMatch(/^[0-9a-f]{32}$/);
    expect(space.hash(space.example, settings)).toBe(space.hash(space.example, settings));
    expect(() => space.hash('not a key', settings)).toThrow(BlockqnnError);
    expect(space.description.length).toBeGreaterThan(10);
  });

  it('builds the network around a key, and its cost model agrees with networkCost of that network', () => {
    const checked = space.build(space.example, settings, NETWORK);
    expect(checked.ir.nodes.length).toBeGreaterThan(0);
    // Rows that keep no IR are rebuilt on read: the same key and network must give the same IR.
    expect(space.build(space.example, settings, NETWORK).ir).toEqual(checked.ir);
    const { macs, params } = networkCost(checked);
    expect(space.costModel(settings, NETWORK)(space.example)).toEqual({ macs, params });
    const density = space.density(space.example, settings);
    expect(Number.isFinite(density) && density > 0).toBe(true);
  });

  it('draws its block as a graph whose edges join its nodes, and lists the layer types it samples', () => {
    const graph = space.blockGraph(space.example, settings);
    const ids = new Set(graph.nodes.map((n) => n.id));
    expect(ids.size).toBe(graph.nodes.length);
    for (const e of graph.edges) expect(ids.has(e.from) && ids.has(e.to)).toBe(true);
    expect(space.layerTypes(space.example, settings).length).toBeGreaterThan(0);
  });

  it("draws its block for the exported figure: a titled graph whose edges join its nodes, in the figure's colours", () => {
    const picture = space.picture(space.example, settings);
    expect(picture.title.length).toBeGreaterThan(0);
    const ids = new Set(picture.nodes.map((n) => n.id));
    expect(ids.size).toBe(picture.nodes.length);
    for (const e of picture.edges) expect(ids.has(e.from) && ids.has(e.to)).toBe(true);
    for (const n of picture.nodes) expect(['io', 'conv', 'pool', 'merge', 'other']).toContain(n.kind);
  });

  it('reads its settings and network from a stored run configuration, and rebuilds an IR exactly where rows keep none', () => {
    for (const key of space.settings) expect(['maxIndex', 'extraTypes']).toContain(key);
    const stored = { space: name, network: NETWORK, maxIndex: 23, nscTypes: [], strategy: 'ignored' };
    const read = runSpaceOf(stored);
    expect(read.name).toBe(name);
    expect(read.entry).toBe(space);
    expect(Object.keys(read.settings).every((k) => (space.settings as readonly string[]).includes(k))).toBe(true);
    const rebuilt = rebuildStoredIr(stored, space.example);
    if (space.storesIr) expect(rebuilt).toBeNull();
    else expect(rebuilt).toEqual(space.build(space.example, read.settings, read.network).ir);
    expect(rebuildStoredIr(stored, 'not a key')).toBeNull();
  });

  it('either stacks its key into a layout, or names what a key is for the messages that refuse one', () => {
    if (space.fixedNetwork !== null) {
      expect(space.fixedNetwork.length).toBeGreaterThan(10);
      return;
    }
    const layout = resolveLayout({ layout: 'cifar', widths: [12, 24] }, { baseFilters: 8, stages: 2, blocksPerStage: 1 });
    const stacked = space.build(space.example, settings, { ...NETWORK, layout });
    expect(stacked.ir).not.toEqual(space.build(space.example, settings, NETWORK).ir);
  });

  it("has a decision space of the same name whose strategies propose this space's keys", () => {
    const decisions = decisionSpaces.get(name)(space.decisionSettings(settings));
    const strategy = strategies.get('random').create(decisions, { seed: 3 });
    for (let i = 0; i < 5; i++) {
      const { id, key } = strategy.ask();
      expect(space.hash(key, settings)).toBe(space.hash(space.canonical(key, settings), settings));
      expect(space.costModel(settings, NETWORK)(key).macs).toBeGreaterThan(0);
      strategy.tell(id, { status: 'failed' });
    }
  });
});
