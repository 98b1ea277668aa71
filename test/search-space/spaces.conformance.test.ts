/**
 * Every registered search space (search-space/spaces/) keeps the contract the
 * orchestrator, store, export and server rely on: keys parse to a canonical
 * form with a stable hash, malformed keys fail with a named error, the network
 * builds and its cost model agrees with networkCost, the block graph is a
 * graph, and the controller has a decision space of the same name whose
 * proposals are keys of this space. A third space passes this file or does
 * not ship.
 */
import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../src/common/errors.js';
import { decisionSpaces, strategies } from '../../src/controller/index.js';
import { networkCost, searchSpaces } from '../../src/search-space/index.js';

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
