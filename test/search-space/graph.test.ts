import { describe, expect, it } from 'vitest';
import { InvalidArchitectureError } from '../../src/common/errors.js';
import { IR_MAX_NODES, IrBuilder, PAPER_BLOCKS, assembleNetwork, checkIr, parseIr } from '../../src/search-space/index.js';

/** A small valid IR as plain JSON (the wire form), for mutation. */
function tinyIr(): any {
  return {
    format: 'blockqnn-ir',
    version: 1,
    input: { shape: [8, 8, 3] },
    nodes: [
      { id: 'c1', op: 'conv2d', inputs: ['input'], filters: 4, kernel: 3, padding: 1 },
      { id: 'c2', op: 'conv2d', inputs: ['c1'], filters: 4, kernel: 3, padding: 1 },
      { id: 'sum', op: 'add', inputs: ['c1', 'c2'] },
      { id: 'gap', op: 'globalAvgPool', inputs: ['sum'] },
      { id: 'fc', op: 'dense', inputs: ['gap'], units: 2 },
    ],
    output: 'fc',
  };
}

function rejection(value: unknown): InvalidArchitectureError {
  try {
    parseIr(value);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArchitectureError);
    return error as InvalidArchitectureError;
  }
  throw new Error('expected parseIr to throw');
}

function mutated(edit: (ir: any) => void): InvalidArchitectureError {
  const ir = tinyIr();
  edit(ir);
  return rejection(ir);
}

describe('parseIr: schema', () => {
  it('accepts the tiny IR, fills defaults and infers shapes', () => {
    const checked = parseIr(tinyIr());
    expect(checked.shapes.get('sum')).toEqual([8, 8, 4]);
    expect(checked.shapes.get('fc')).toEqual([2]);
    expect(checked.ir.nodes[0]).toMatchObject({ stride: 1, dilation: 1, groups: 1, bias: false });
  });

  it('names the field path, the value and the rule', () => {
    const cases: [(ir: any) => void, string][] = [
      [(ir) => (ir.nodes[0].filters = 0), 'nodes.0.filters: Too small: expected number to be >0 (got 0)'],
      [(ir) => (ir.nodes[1].kernel = [3, -1]), 'nodes.1.kernel'],
      [(ir) => (ir.nodes[2].op = 'mul'), 'nodes.2.op'],
      [(ir) => (ir.nodes[4].units = 2.5), 'nodes.4.units'],
      [(ir) => (ir.nodes[0].bogus = true), 'Unrecognized key: "bogus"'],
      [(ir) => (ir.format = 'onnx'), 'format: Invalid input: expected "blockqnn-ir" (got "onnx")'],
      [(ir) => (ir.version = 2), 'version'],
      [(ir) => (ir.input.shape = [8, 8]), 'input.shape'],
      [(ir) => (ir.nodes[0].id = 'has space'), 'nodes.0.id: ids use letters, digits and _ . : / - (got "has space")'],
      [(ir) => (ir.nodes = []), 'nodes: Too small'],
      [(ir) => delete ir.output, 'output'],
    ];
    for (const [edit, text] of cases) {
      const error = mutated(edit);
      expect(error.message).toContain(text);
      expect(error.details?.rule).toBe('schema');
    }
    expect(rejection(null).message).toContain('(root)');
    expect(rejection('{}').details?.rule).toBe('schema');
  });

  it(`limits a graph to ${IR_MAX_NODES} nodes`, () => {
    const ir = tinyIr();
    ir.nodes = Array.from({ length: IR_MAX_NODES + 1 }, (_, i) => ({ id: `r${i}`, op: 'relu', inputs: [i === 0 ? 'input' : `r${i - 1}`] }));
    ir.output = `r${IR_MAX_NODES}`;
    expect(rejection(ir).message).toMatch(/nodes: Too big/);
  });
});

describe('parseIr: structure and shapes', () => {
  const cases: [string, (ir: any) => void, string, string][] = [
    ['unknown input', (ir) => (ir.nodes[1].inputs = ['nope']), 'unknown-input', 'input "nope" is not the network input or an earlier node'],
    ['input listed after its reader', (ir) => (ir.nodes[0].inputs = ['c2']), 'unknown-input', 'topological order'],
    ['duplicate id', (ir) => (ir.nodes[1].id = 'c1'), 'duplicate-id', 'duplicate id "c1"'],
    ['reserved id', (ir) => (ir.nodes[0].id = 'input'), 'reserved-id', 'reserved'],
    ['add with one input', (ir) => (ir.nodes[2].inputs = ['c1']), 'arity', 'takes at least 2 input(s), got 1'],
    ['conv with two inputs', (ir) => (ir.nodes[1].inputs = ['c1', 'input']), 'arity', 'takes 1 input(s), got 2'],
    [
      'add of unequal shapes',
      (ir) => (ir.nodes[1].filters = 5),
      'shape-mismatch',
      'input 1 "c2" has shape [8, 8, 5], input 0 has [8, 8, 4]',
    ],
    ['add of unequal spatial sizes', (ir) => Object.assign(ir.nodes[1], { stride: 2 }), 'shape-mismatch', 'add needs equal shapes'],
    [
      'concat of unequal spatial sizes',
      (ir) => {
        ir.nodes[2].op = 'concat';
        ir.nodes[1].stride = 2;
      },
      'shape-mismatch',
      'concat needs equal shapes except channels',
    ],
    [
      'kernel larger than the image',
      (ir) => Object.assign(ir.nodes[0], { kernel: 9, padding: 0 }),
      'too-small',
      'the height extent 8 is too small for kernel 9',
    ],
    ['dense on an image', (ir) => (ir.nodes[4].inputs = ['sum']), 'rank', 'expects a vector input [C], got [8, 8, 4]'],
    ['groups not dividing channels', (ir) => (ir.nodes[0].groups = 2), 'groups', 'input channels 3 are not divisible by groups 2'],
    ['unknown output', (ir) => (ir.output = 'nowhere'), 'unknown-output', 'output "nowhere" is not a node'],
  ];
  for (const [description, edit, rule, text] of cases) {
    it(`rejects ${description} (${rule})`, () => {
      const error = mutated(edit);
      expect(error.details?.rule).toBe(rule);
      expect(error.message).toContain(text);
    });
  }

  it('names the node in structural errors', () => {
    const error = mutated((ir) => (ir.nodes[1].inputs = ['nope']));
    expect(error.message).toMatch(/^invalid IR: node "c2" \(conv2d\): /);
    expect(error.details).toMatchObject({ node: 'c2', op: 'conv2d', input: 'nope' });
  });

  it("checks channelScale: [x, scale] with a vector of x's channels", () => {
    const b = new IrBuilder('se', [4, 4, 6]);
    const wrong = b.dense(b.globalAvgPool('input'), { units: 5 });
    expect(() => b.channelScale('input', wrong)).toThrow(/must be a vector of 6 channels, got \[5\]/);
    const right = b.sigmoid(b.dense(b.globalAvgPool('input'), { units: 6 }));
    const out = b.channelScale('input', right);
    expect(b.build(out).shapes.get(out)).toEqual([4, 4, 6]);
  });

  it('infers the shapes of the other ops', () => {
    const b = new IrBuilder('ops', [9, 7, 2]);
    const strided = b.conv('input', { filters: 3, kernel: 3, stride: 2, padding: 1 });
    expect(b.shapeOf(strided)).toEqual([5, 4, 3]);
    expect(b.shapeOf(b.conv('input', { filters: 3, kernel: 3, dilation: 2, padding: 2 }))).toEqual([9, 7, 3]);
    expect(b.shapeOf(b.conv('input', { filters: 4, kernel: [1, 3] }))).toEqual([9, 5, 4]);
    expect(b.shapeOf(b.maxPool('input', { kernel: 2 }))).toEqual([4, 3, 2]);
    expect(b.shapeOf(b.avgPool('input', { kernel: 3, stride: 1, padding: 1 }))).toEqual([9, 7, 2]);
    expect(b.shapeOf(b.convTranspose(strided, { filters: 2, kernel: 3, stride: 2, padding: 1, outputPadding: 1 }))).toEqual([10, 8, 2]);
    expect(b.shapeOf(b.upsample('input', 2))).toEqual([18, 14, 2]);
    expect(b.shapeOf(b.flatten('input'))).toEqual([126]);
    expect(b.shapeOf(b.concat(['input', 'input', 'input']))).toEqual([9, 7, 6]);
    expect(b.shapeOf(b.zeros(strided))).toEqual([5, 4, 3]);
    expect(() => b.maxPool('input', { kernel: 2, padding: 2 })).toThrow(/padding 2x2 exceeds half the kernel 2x2/);
  });

  it('round-trips through JSON (the wire format) with the same shapes', () => {
    const checked = assembleNetwork(PAPER_BLOCKS.inception, { blocksPerStage: 1 });
    const again = parseIr(JSON.parse(JSON.stringify(checked.ir)));
    expect(again.ir).toEqual(checked.ir);
    expect([...again.shapes]).toEqual([...checked.shapes]);
  });
});

describe('shareWeightsWith', () => {
  const shared = (edit: (nodes: any[]) => void = () => {}) => {
    const ir = tinyIr();
    ir.nodes[1].shareWeightsWith = 'c1';
    ir.nodes[0].padding = 1;
    ir.nodes[0].filters = 4;
    // c1 reads 3 channels, c2 reads 4: make c1 read a 4-channel tensor so sharing is legal.
    ir.nodes.unshift({ id: 'pre', op: 'conv2d', inputs: ['input'], filters: 4, kernel: 1 });
    ir.nodes[1].inputs = ['pre'];
    edit(ir.nodes);
    return ir;
  };

  it("accepts a node reusing an earlier node's parameters", () => {
    expect(parseIr(shared()).shapes.get('c2')).toEqual([8, 8, 4]);
  });

  it('rejects an unknown target, a chain, and differing attributes or input widths', () => {
    expect(rejection(shared((n) => (n[2].shareWeightsWith = 'ghost'))).details?.rule).toBe('unknown-share');
    expect(rejection(shared((n) => (n[2].shareWeightsWith = 'fc'))).details?.rule).toBe('unknown-share');
    const attrs = rejection(shared((n) => ((n[2].kernel = 1), (n[2].padding = 0))));
    expect(attrs.details?.rule).toBe('share-mismatch');
    expect(attrs.message).toContain('shares weights with "c1" but their ops or attributes differ');
    const width = rejection(shared((n) => (n[1].inputs = ['input'])));
    expect(width.details?.rule).toBe('share-mismatch');
    expect(width.message).toContain('its input has 4 channels, not 3');
    const chain = shared((n) =>
      n.splice(3, 0, { id: 'c3', op: 'conv2d', inputs: ['c2'], filters: 4, kernel: 3, padding: 1, shareWeightsWith: 'c2' }),
    );
    expect(rejection(chain).details?.rule).toBe('share-chain');
  });

  it('checkIr applies the same structural checks to an IR that already passed the schema', () => {
    const { ir } = parseIr(tinyIr());
    const broken = { ...ir, nodes: ir.nodes.map((n) => (n.id === 'sum' ? { ...n, inputs: ['c1'] } : n)) };
    expect(() => checkIr(broken)).toThrow(InvalidArchitectureError);
    expect(() => checkIr(broken)).toThrow(/node "sum" \(add\): takes at least 2 input\(s\), got 1/);
  });
});
