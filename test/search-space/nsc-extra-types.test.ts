/** The optional NSC layer types 8 (se) and 9 (dpp): grammar, canonical hashing, assembly, and DPP between the stages. */
import { describe, expect, it } from 'vitest';
import { BlockqnnError, InvalidArchitectureError } from '../../src/common/errors.js';
import {
  type IrNodeOf,
  PAPER_BLOCKS,
  assembleNetwork,
  blockHash,
  canonicalText,
  networkCost,
  parseNsc,
} from '../../src/search-space/index.js';

const BOTH = { extraTypes: ['se', 'dpp'] } as const;
const NET = { inputShape: [8, 8, 1] as [number, number, number], classes: 10, blocksPerStage: 1, baseFilters: 4, stages: 2 };

describe('NSC grammar with optional types', () => {
  it('rejects types 8 and 9 unless enabled, naming the option that enables them', () => {
    for (const [code, name] of [
      ['(1,8,0,0,0)(2,7,0,0,0)', 'se'],
      ['(1,9,3,0,0)(2,7,0,0,0)', 'dpp'],
    ] as const) {
      try {
        parseNsc(code);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidArchitectureError);
        expect((error as InvalidArchitectureError).message).toContain(`(${name}) is an optional layer type and is not enabled`);
        expect((error as InvalidArchitectureError).hint).toContain(`--nsc-types ${name}`);
        expect((error as InvalidArchitectureError).details).toMatchObject({ rule: 'disabled-type' });
      }
    }
    expect(() => parseNsc('(1,9,3,0,0)(2,7,0,0,0)', { extraTypes: ['se'] })).toThrow(/type 9 \(dpp\)/);
    expect(parseNsc('(1,8,0,0,0)(2,9,3,1,0)(3,5,0,1,2)(4,7,0,0,0)', BOTH)).toHaveLength(4);
  });

  it("checks their kernels and arity like the paper's types", () => {
    expect(() => parseNsc('(1,8,3,0,0)(2,7,0,0,0)', BOTH)).toThrow(/kernel 3 is not allowed for se \(allowed: 0\)/);
    expect(() => parseNsc('(1,9,2,0,0)(2,7,0,0,0)', BOTH)).toThrow(/kernel 2 is not allowed for dpp \(allowed: 3\)/);
    expect(() => parseNsc('(1,1,3,0,0)(2,9,3,0,1)(3,7,0,0,0)', BOTH)).toThrow(/dpp takes one predecessor/);
    expect(() => parseNsc('(1,10,0,0,0)(2,7,0,0,0)', BOTH)).toThrow(/unknown type 10/);
    expect(() => parseNsc('(1,8,0,0,0)(2,7,0,0,0)', { extraTypes: ['attention' as 'se'] })).toThrow(
      /unknown optional layer type "attention"/,
    );
  });
});

describe('canonical form and hash with optional types', () => {
  it('renumbered blocks hash alike; se, dpp and identity in the same place hash apart', () => {
    const a = parseNsc('(1,8,0,0,0)(2,9,3,0,0)(3,5,0,1,2)(4,7,0,0,0)', BOTH);
    const b = parseNsc('(1,9,3,0,0)(2,8,0,0,0)(3,5,0,2,1)(4,7,0,0,0)', BOTH);
    expect(canonicalText(a)).toBe(canonicalText(b));
    expect(blockHash(a)).toBe(blockHash(b));
    const hashes = ['(1,8,0,0,0)(2,1,3,1,0)(3,7,0,0,0)', '(1,9,3,0,0)(2,1,3,1,0)(3,7,0,0,0)', '(1,4,0,0,0)(2,1,3,1,0)(3,7,0,0,0)'].map(
      (c) => blockHash(parseNsc(c, BOTH)),
    );
    expect(new Set(hashes).size).toBe(3);
  });
});

describe('assembly of the optional types', () => {
  it('se: squeeze → dense max(1, ⌊C/16⌋) → ReLU → dense C → sigmoid → channel scale, with biases', () => {
    const checked = assembleNetwork(parseNsc('(1,8,0,0,0)(2,7,0,0,0)', BOTH), NET);
    const dense = checked.ir.nodes.filter((n): n is IrNodeOf<'dense'> => n.op === 'dense' && n.id.includes('/l1/'));
    // SE of the block input: 4 channels in both stages (the second stage widens after the block), so one hidden unit (the floor of 1).
    expect(dense.map((n) => n.units)).toEqual([1, 4, 1, 4]);
    const plain = networkCost(assembleNetwork(parseNsc('(1,4,0,0,0)(2,7,0,0,0)'), NET)).params;
    const se = (c: number) => c * 1 + 1 + 1 * c + c;
    expect(networkCost(checked).params).toBe(plain + se(4) + se(4));
    expect(checked.ir.nodes.filter((n) => n.op === 'channelScale')).toHaveLength(2);
    const wide = assembleNetwork(parseNsc('(1,8,0,0,0)(2,7,0,0,0)', BOTH), { ...NET, baseFilters: 64 });
    expect(wide.ir.nodes.filter((n): n is IrNodeOf<'dense'> => n.op === 'dense' && n.id.includes('/l1/')).map((n) => n.units)).toEqual([
      4, 64, 4, 64,
    ]);
  });

  it('dpp: Lite-DPP, symmetric, 3×3, stride 1, padding 1, keeping the shape', () => {
    const checked = assembleNetwork(parseNsc('(1,1,3,0,0)(2,9,3,1,0)(3,7,0,0,0)', BOTH), NET);
    const dpp = checked.ir.nodes.filter((n): n is IrNodeOf<'dpp'> => n.op === 'dpp');
    expect(
      dpp.map(({ kernel, stride, padding, variant, reward, sampling }) => ({ kernel, stride, padding, variant, reward, sampling })),
    ).toEqual(Array(2).fill({ kernel: 3, stride: 1, padding: 1, variant: 'lite', reward: 'sym', sampling: 'none' }));
    for (const node of dpp) expect(checked.shapes.get(node.id)).toEqual(checked.shapes.get(node.inputs[0]!));
  });

  it('the network option downsample puts another layer between the stages; maxpool stays the default, byte for byte', () => {
    const block = PAPER_BLOCKS.resnet;
    const base = { ...NET, stages: 3, inputShape: [16, 16, 1] as [number, number, number] };
    expect(JSON.stringify(assembleNetwork(block, { ...base, downsample: 'maxpool' }).ir)).toBe(
      JSON.stringify(assembleNetwork(block, base).ir),
    );
    const dpp = assembleNetwork(block, { ...base, downsample: 'dpp-lite-s3-sym' });
    expect(['pool1', 'pool2'].map((id) => dpp.ir.nodes.find((n) => n.id === id))).toMatchObject(
      Array(2).fill({ op: 'dpp', kernel: 2, stride: 2, variant: 'lite', sampling: 's3', reward: 'sym' }),
    );
    expect(networkCost(dpp).params).toBe(networkCost(assembleNetwork(block, base)).params + 2 * (4 + 8));
    expect(() => assembleNetwork(block, { ...base, downsample: 'strided' })).toThrow(BlockqnnError);
    expect(() => assembleNetwork(block, { ...base, downsample: 'strided' })).toThrow(
      /downsample = "strided": must be one of maxpool, avgpool, dpp-lite-sym/,
    );
  });
});
