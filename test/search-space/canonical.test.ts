import { describe, expect, it } from 'vitest';
import {
  INCEPTION_BLOCK_NSC,
  PAPER_BLOCKS,
  RESNET_BLOCK_NSC,
  blockHash,
  canonicalBlock,
  canonicalText,
  parseNsc,
  printNsc,
  validateBlock,
} from '../../src/search-space/index.js';
import { isomorphic } from './nsc-arbitrary.js';

const hash = (text: string) => blockHash(parseNsc(text));

/** Eight convs from the input, and eight adds over pairs of them given as [a, b] conv numbers. */
function addsOverConvs(pairs: readonly (readonly [number, number])[]): string {
  const convs = Array.from({ length: 8 }, (_, i) => `(${i + 1},1,3,0,0)`).join('');
  return convs + pairs.map(([a, b], i) => `(${i + 9},5,0,${a},${b})`).join('') + '(17,7,0,0,0)';
}

describe('canonical form', () => {
  it('pins the canonical codes and hashes of the paper blocks (stored candidates depend on them)', () => {
    expect(canonicalText(PAPER_BLOCKS.resnet)).toBe('(1,4,0,0,0)(2,1,3,1,0)(3,1,3,2,0)(4,5,0,1,3)(5,7,0,0,0)');
    expect(blockHash(PAPER_BLOCKS.resnet)).toBe('0fd1e3ef31f4af9a5662178afdc28d96');
    expect(canonicalText(PAPER_BLOCKS.inception)).toBe(
      '(1,4,0,0,0)(2,1,1,1,0)(3,1,1,1,0)(4,1,5,3,0)(5,1,1,1,0)(6,1,3,2,0)(7,2,3,1,0)(8,1,1,7,0)(9,7,0,0,0)',
    );
    expect(blockHash(PAPER_BLOCKS.inception)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gives renumbered codes and swapped add/concat operands the same hash', () => {
    const a = '(1,1,3,0,0)(2,1,1,0,0)(3,2,3,1,0)(4,6,0,3,2)(5,5,0,4,0)(6,7,0,0,0)';
    const b = '(1,1,1,0,0)(2,1,3,0,0)(3,2,3,2,0)(4,6,0,1,3)(5,5,0,0,4)(6,7,0,0,0)';
    expect(hash(a)).toBe(hash(b));
    expect(hash(RESNET_BLOCK_NSC)).toBe(hash('(1,4,0,0,0)(2,1,3,1,0)(3,1,3,2,0)(4,5,0,3,1)(5,7,0,0,0)'));
    expect(hash(INCEPTION_BLOCK_NSC)).toBe(
      hash('(1,4,0,0,0)(2,2,3,1,0)(3,1,1,2,0)(4,1,1,1,0)(5,1,5,4,0)(6,1,1,1,0)(7,1,3,6,0)(8,1,1,1,0)(9,7,0,0,0)'),
    );
  });

  // Regression: colour refinement gives all eight convs one colour in both codes, and
  // taking the first tied node made these two numberings of one DAG hash differently.
  it('gives the same hash to a DAG that colour refinement alone cannot canonise', () => {
    const cycleFirst = addsOverConvs([
      [1, 2],
      [2, 3],
      [3, 4],
      [1, 4],
      [5, 6],
      [5, 6],
      [7, 8],
      [7, 8],
    ]);
    const cycleLast = addsOverConvs([
      [1, 2],
      [1, 2],
      [3, 4],
      [3, 4],
      [5, 6],
      [6, 7],
      [7, 8],
      [5, 8],
    ]);
    expect(isomorphic(parseNsc(cycleFirst), parseNsc(cycleLast))).toBe(true);
    expect(hash(cycleFirst)).toBe(hash(cycleLast));
    expect(canonicalText(parseNsc(cycleFirst))).toBe(canonicalText(parseNsc(cycleLast)));
  });

  it('separates non-isomorphic blocks that look alike', () => {
    const pairs: [string, string, string][] = [
      [
        'a shared conv feeding two pools vs two convs each feeding one pool',
        '(1,1,3,0,0)(2,2,3,1,0)(3,2,3,1,0)(4,1,3,0,0)(5,7,0,0,0)',
        '(1,1,3,0,0)(2,1,3,0,0)(3,2,3,1,0)(4,2,3,2,0)(5,7,0,0,0)',
      ],
      [
        'a 4-cycle of adds vs two 2-cycles (same colours under refinement)',
        '(1,1,3,0,0)(2,1,3,0,0)(3,1,3,0,0)(4,1,3,0,0)(5,5,0,1,2)(6,5,0,2,3)(7,5,0,3,4)(8,5,0,1,4)(9,7,0,0,0)',
        '(1,1,3,0,0)(2,1,3,0,0)(3,1,3,0,0)(4,1,3,0,0)(5,5,0,1,2)(6,5,0,1,2)(7,5,0,3,4)(8,5,0,3,4)(9,7,0,0,0)',
      ],
      ['add vs concat', '(1,1,3,0,0)(2,1,1,0,0)(3,5,0,1,2)(4,7,0,0,0)', '(1,1,3,0,0)(2,1,1,0,0)(3,6,0,1,2)(4,7,0,0,0)'],
      ['kernel 3 vs kernel 5 on one branch', '(1,1,3,0,0)(2,1,3,1,0)(3,7,0,0,0)', '(1,1,3,0,0)(2,1,5,1,0)(3,7,0,0,0)'],
      ['max vs avg pool', '(1,2,3,0,0)(2,7,0,0,0)', '(1,3,3,0,0)(2,7,0,0,0)'],
      ['conv then pool vs pool then conv', '(1,1,3,0,0)(2,2,3,1,0)(3,7,0,0,0)', '(1,2,3,0,0)(2,1,3,1,0)(3,7,0,0,0)'],
      [
        'an add reading the input vs reading a conv',
        '(1,1,3,0,0)(2,1,3,1,0)(3,5,0,0,2)(4,7,0,0,0)',
        '(1,1,3,0,0)(2,1,3,1,0)(3,5,0,1,2)(4,7,0,0,0)',
      ],
    ];
    for (const [description, a, b] of pairs) {
      expect(isomorphic(parseNsc(a), parseNsc(b)), description).toBe(false);
      expect(hash(a), description).not.toBe(hash(b));
    }
  });

  it('returns a valid block numbered 1..n with sorted operands', () => {
    const canonical = canonicalBlock(parseNsc('(2,1,3,0,0)(5,1,1,0,0)(9,6,0,5,2)(12,7,0,0,0)'));
    expect(printNsc(validateBlock(canonical))).toBe(printNsc(canonical));
    expect(canonical.map((l) => l.index)).toEqual([1, 2, 3, 4]);
    expect(canonical[2]!.pred1).toBeLessThan(canonical[2]!.pred2);
  });

  it('stays fast on highly symmetric blocks', () => {
    const parallel = Array.from({ length: 22 }, (_, i) => `(${i + 1},1,3,0,0)`).join('') + '(23,7,0,0,0)';
    const chains =
      Array.from({ length: 7 }, (_, c) => `(${3 * c + 1},1,3,0,0)(${3 * c + 2},2,3,${3 * c + 1},0)(${3 * c + 3},1,1,${3 * c + 2},0)`).join(
        '',
      ) + '(22,7,0,0,0)';
    const start = performance.now();
    expect(canonicalText(parseNsc(parallel))).toBe(parallel);
    expect(hash(chains)).toMatch(/^[0-9a-f]{32}$/);
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
