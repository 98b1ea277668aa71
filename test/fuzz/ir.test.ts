/**
 * Bad-input corpus, network IR JSON: random JSON, random graphs of every op
 * with hostile attribute values, and mutations of real assembled networks.
 * parseIr either returns a checked IR whose cost is finite, or throws an
 * InvalidArchitectureError that names the IR problem (a field path or a node).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { IR_OPS, assembleNetwork, buildNb201Network, networkCost, parseIr, parseNb201, parseNsc } from '../../src/search-space/index.js';
import { CaseCounter, expectAcceptedOrClear, reportCases } from './fuzz-kit.js';

const counter = new CaseCounter('ir-json');
afterAll(() => reportCases(counter));

const NAMES = /IR|node|input|output|nodes|shape/i;

function check(value: unknown): void {
  const checked = expectAcceptedOrClear(counter, () => parseIr(value), NAMES);
  if (!checked) return;
  const cost = networkCost(checked);
  // An accepted network has sizes a worker can at least count: every shape and total a safe integer.
  for (const shape of checked.shapes.values())
    expect(
      shape.every((d) => Number.isSafeInteger(d) && d > 0),
      `shape [${shape.join(', ')}]`,
    ).toBe(true);
  expect(Number.isSafeInteger(cost.params), `params ${cost.params}`).toBe(true);
  expect(Number.isFinite(cost.macs) && cost.macs >= 0, `macs ${cost.macs}`).toBe(true);
}

const hostileNumber = fc.oneof(
  fc.integer({ min: -2, max: 9 }),
  fc.constantFrom(0, -1, 0.5, 1e9, 2 ** 31, 2 ** 53, Number.MAX_SAFE_INTEGER, 1e308),
  fc.double(),
);
const hostile = fc.oneof(hostileNumber, fc.constantFrom(null, true, 'x', [], {}, [1], [1, 2], [0, 3], [2, -1], ['a', 'b'], '../x'));
const id = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'd', 'input', 'out', '../../etc/passwd', 's1/b1', 'x:y', 'é', 'a"b', 'a\nb', '', 'x'.repeat(200)),
  fc.string({ maxLength: 6 }),
);

/** A node of a random op with each attribute drawn from sane and hostile values. */
const randomNode = fc
  .record({
    op: fc.oneof(fc.constantFrom(...IR_OPS), fc.constantFrom('exec', 'python', 'lambda', 'Conv2d', '__proto__', 'constructor')),
    id,
    inputs: fc.array(id, { maxLength: 3 }),
    extra: fc.dictionary(
      fc.constantFrom(
        'filters',
        'kernel',
        'stride',
        'padding',
        'dilation',
        'groups',
        'units',
        'scale',
        'rate',
        'alpha',
        'epsilon',
        'momentum',
        'outputPadding',
        'mode',
        'variant',
        'reward',
        'sampling',
        'bias',
        'affine',
        'countIncludePad',
        'shareWeightsWith',
        'start',
        'size',
        'code',
        '__proto__',
      ),
      hostile,
      { maxKeys: 5 },
    ),
  })
  .map(({ op, id: nodeId, inputs, extra }) => ({ ...extra, op, id: nodeId, inputs }));

/** Attributes an op needs, so random graphs get past the schema often enough to reach shape inference. */
const saneAttrs = fc.record({
  filters: fc.integer({ min: 1, max: 8 }),
  kernel: fc.integer({ min: 1, max: 5 }),
  stride: fc.integer({ min: 1, max: 3 }),
  padding: fc.integer({ min: 0, max: 3 }),
  dilation: fc.integer({ min: 1, max: 3 }),
  groups: fc.constantFrom(1, 2, 3),
  units: fc.integer({ min: 1, max: 10 }),
  scale: fc.integer({ min: 1, max: 3 }),
  rate: fc.constantFrom(0, 0.5),
  outputPadding: fc.integer({ min: 0, max: 2 }),
  variant: fc.constantFrom('lite', 'full'),
  sampling: fc.constantFrom('none', 's3'),
  start: fc.integer({ min: 0, max: 3 }),
  size: fc.integer({ min: 1, max: 4 }),
});
const plausibleGraph = fc
  .tuple(
    fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 6 })),
    fc.array(fc.tuple(fc.constantFrom(...IR_OPS), saneAttrs, fc.array(fc.nat(), { minLength: 1, maxLength: 3 })), {
      minLength: 1,
      maxLength: 8,
    }),
  )
  .map(([shape, drafts]) => {
    const ids = ['input'];
    const nodes = drafts.map(([op, attrs, picks], i) => {
      const keep: Record<string, unknown> = {};
      const wanted: Record<string, string[]> = {
        conv2d: ['filters', 'kernel', 'stride', 'padding', 'dilation', 'groups'],
        conv2dTranspose: ['filters', 'kernel', 'stride', 'padding', 'outputPadding'],
        maxPool: ['kernel', 'stride', 'padding'],
        avgPool: ['kernel', 'stride', 'padding'],
        dpp: ['kernel', 'stride', 'padding', 'variant', 'sampling'],
        dense: ['units'],
        dropout: ['rate'],
        upsample: ['scale'],
        channelSlice: ['start', 'size'],
      };
      for (const k of wanted[op] ?? []) keep[k] = attrs[k as keyof typeof attrs];
      const inputs = picks.map((p) => ids[p % ids.length]!);
      const nodeId = `n${i}`;
      ids.push(nodeId);
      return { op, id: nodeId, inputs, ...keep };
    });
    return { format: 'blockqnn-ir', version: 1, input: { shape }, nodes, output: ids[ids.length - 1]! };
  });

describe('IR JSON', () => {
  it('random JSON values', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), check), { numRuns: 800 });
  });

  it('random graphs of hostile nodes', () => {
    const ir = fc.record(
      {
        format: fc.constantFrom('blockqnn-ir', 'onnx', undefined),
        version: fc.constantFrom(1, 2, '1'),
        input: fc.oneof(fc.record({ shape: fc.array(hostileNumber, { maxLength: 4 }) }), hostile),
        nodes: fc.array(randomNode, { maxLength: 6 }),
        output: id,
      },
      { requiredKeys: ['nodes'] },
    );
    fc.assert(fc.property(ir, check), { numRuns: 1500 });
  });

  it('plausible random graphs reach shape inference and cost', () => {
    fc.assert(fc.property(plausibleGraph, check), { numRuns: 2500 });
  });

  it('one mutation of a real network: a field dropped, replaced, added, or a node moved', () => {
    const real = [
      assembleNetwork(parseNsc('(1,1,3,0,0)(2,1,3,1,0)(3,5,0,2,0)(4,7,0,0,0)'), {
        inputShape: [8, 8, 1],
        classes: 10,
        blocksPerStage: 1,
        baseFilters: 4,
        stages: 2,
      }).ir,
      assembleNetwork(parseNsc('(1,1,1,0,0)(2,2,3,0,0)(3,6,0,1,2)(4,7,0,0,0)'), {
        inputShape: [8, 8, 3],
        classes: 10,
        blocksPerStage: 1,
        baseFilters: 4,
        stages: 2,
        downsample: 'dpp-lite-s3-sym',
      }).ir,
      buildNb201Network(parseNb201('|nor_conv_3x3~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|')).ir,
    ];
    const mutation = fc.record({
      which: fc.nat(),
      node: fc.nat(),
      key: fc.nat(),
      kind: fc.constantFrom('drop', 'replace', 'add', 'move', 'duplicate'),
      value: hostile,
    });
    fc.assert(
      fc.property(mutation, (m) => {
        const ir = structuredClone(real[m.which % real.length]!) as unknown as { nodes: Record<string, unknown>[] };
        const i = m.node % ir.nodes.length;
        const node = ir.nodes[i]!;
        const keys = Object.keys(node);
        const key = keys[m.key % keys.length]!;
        if (m.kind === 'drop') delete node[key];
        else if (m.kind === 'replace') node[key] = m.value;
        else if (m.kind === 'add') node.injected = m.value;
        else if (m.kind === 'move') ir.nodes.unshift(...ir.nodes.splice(i, 1));
        else ir.nodes.push(structuredClone(node));
        check(ir);
      }),
      { numRuns: 2000 },
    );
  });

  it('absurd sizes are refused by name: huge filters, units, upsampling, inputs', () => {
    const net = (input: number[], node: Record<string, unknown>) => ({
      format: 'blockqnn-ir',
      version: 1,
      input: { shape: input },
      nodes: [{ id: 'n', inputs: ['input'], ...node }],
      output: 'n',
    });
    const cases = [
      net([8, 8, 3], { op: 'conv2d', filters: Number.MAX_SAFE_INTEGER, kernel: 3 }),
      net([8, 8, 3], { op: 'upsample', scale: 2 ** 40 }),
      net([2 ** 20, 2 ** 20, 3], { op: 'relu' }),
      net([8, 8, 2 ** 20], { op: 'conv2d', filters: 2 ** 20, kernel: 3 }),
    ];
    for (const ir of cases) {
      expect(() => parseIr(ir)).toThrow(/more than 2147483648/);
      counter.refused();
    }
  });

  it('a graph over the node limit is refused without walking it', () => {
    const nodes = Array.from({ length: 20_001 }, (_, i) => ({ op: 'relu', id: `r${i}`, inputs: [i === 0 ? 'input' : `r${i - 1}`] }));
    try {
      parseIr({ format: 'blockqnn-ir', version: 1, input: { shape: [4, 4, 1] }, nodes, output: 'r20000' });
      expect.unreachable();
    } catch (error) {
      expect((error as { code: string }).code).toBe(ErrorCode.INVALID_ARCHITECTURE);
      expect((error as Error).message).toMatch(/nodes/);
    }
    counter.refused();
  });
});
