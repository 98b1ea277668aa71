/** Property-based tests of the NSC grammar and canonical hash (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArchitectureError } from '../../src/common/errors.js';
import {
  blockHash,
  canonicalBlock,
  canonicalText,
  density,
  nscFromJson,
  nscToJson,
  parseNsc,
  printNsc,
  validateBlock,
} from '../../src/search-space/index.js';
import type { NscBlock, NscLayer } from '../../src/search-space/index.js';
import { isomorphic, relabel, validBlock } from './nsc-arbitrary.js';

/** BLOCKQNN_PROPERTY_RUNS raises the number of runs for a longer soak; the defaults keep the suite at a few seconds. */
const scale = (runs: number) => ({ numRuns: Number(process.env.BLOCKQNN_PROPERTY_RUNS ?? runs) });
const RUNS = scale(300);
const relabelling = fc.record({
  priorities: fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
  swaps: fc.array(fc.boolean(), { minLength: 24, maxLength: 24 }),
  listOrder: fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
});

describe('NSC properties', () => {
  it('generated blocks are valid for their maxIndex', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }).chain((maxIndex) => fc.tuple(fc.constant(maxIndex), validBlock({ maxIndex }))),
        ([maxIndex, block]) => {
          expect(validateBlock(block, { maxIndex })).toEqual(block);
          expect(block.length).toBeLessThanOrEqual(maxIndex);
        },
      ),
      RUNS,
    );
  });

  it('parse(print(b)) and fromJson(toJson(b)) return b', () => {
    fc.assert(
      fc.property(validBlock(), (block) => {
        expect(parseNsc(printNsc(block))).toEqual(block);
        expect(nscFromJson(nscToJson(block))).toEqual(block);
        expect(parseNsc(JSON.stringify(block))).toEqual(block);
      }),
      RUNS,
    );
  });

  it('the hash is invariant under renumbering, operand swaps and tuple order', () => {
    fc.assert(
      fc.property(validBlock(), relabelling, (block, r) => {
        const other = relabel(block, r.priorities, r.swaps, r.listOrder);
        const parsed = validateBlock(other);
        expect(blockHash(parsed)).toBe(blockHash(block));
        expect(canonicalText(parsed)).toBe(canonicalText(block));
        expect(density(parsed)).toBe(density(block));
      }),
      RUNS,
    );
  });

  it('the hash is invariant for blocks built from few layer kinds (many ties)', () => {
    fc.assert(
      fc.property(
        validBlock({ types: [1, 5], maxLayers: 16 }).map((b) => b.map((l) => ({ ...l, kernel: l.type === 1 ? 3 : 0 }))),
        relabelling,
        (block, r) => {
          expect(blockHash(validateBlock(relabel(block, r.priorities, r.swaps, r.listOrder)))).toBe(blockHash(block));
        },
      ),
      RUNS,
    );
  });

  it('canonicalBlock is valid, idempotent and the same DAG', () => {
    fc.assert(
      fc.property(validBlock(), (block) => {
        const canonical = canonicalBlock(block);
        expect(validateBlock(canonical)).toEqual(canonical);
        expect(printNsc(canonicalBlock(canonical))).toBe(printNsc(canonical));
        expect(blockHash(canonical)).toBe(blockHash(block));
        if (block.length <= 9) expect(isomorphic(block, canonical)).toBe(true);
      }),
      RUNS,
    );
  });

  it('equal hashes exactly when the blocks are isomorphic (brute-force oracle, small blocks)', () => {
    const small = validBlock({ types: [1, 2, 5, 6], maxLayers: 5 }).map((b) =>
      b.map((l) => ({ ...l, kernel: l.type === 1 || l.type === 2 ? 3 : 0 })),
    );
    let equalSeen = 0;
    fc.assert(
      fc.property(small, small, (a, b) => {
        const same = isomorphic(a, b);
        if (same) equalSeen++;
        expect(blockHash(a) === blockHash(b)).toBe(same);
        expect(canonicalText(a) === canonicalText(b)).toBe(same);
      }),
      scale(1500),
    );
    // The space is small enough that some random pairs are the same DAG: the property was exercised both ways.
    expect(equalSeen).toBeGreaterThan(0);
  });

  // k convs read the input and k adds pair them up along cycles: every conv has one
  // predecessor and two successors, every add two predecessors, so colour refinement
  // gives all of them one colour whatever the cycles are. Two such blocks are the same
  // DAG exactly when their sorted cycle lengths agree.
  it('blocks that colour refinement cannot split get equal hashes exactly when their cycles match', () => {
    /** Splits k convs into cycles of 2 to 5, as the draws say. */
    const partition = (k: number, draws: readonly number[]): number[] => {
      const parts: number[] = [];
      for (let rest = k, i = 0; rest > 0;) {
        let p = rest <= 3 ? rest : Math.min(rest, 2 + (draws[i++ % draws.length]! % 4));
        if (rest - p === 1) p -= 1;
        parts.push(p);
        rest -= p;
      }
      return parts;
    };
    const draws = fc.array(fc.nat(), { minLength: 6, maxLength: 6 });
    const cycleBlock = (lengths: number[], order: number[]): NscBlock => {
      const k = lengths.reduce((a, b) => a + b, 0);
      // Convs listed by `order`, so the same cycles come out numbered differently.
      const convs = Array.from({ length: k }, (_, i) => i + 1).sort((a, b) => (order[a] ?? 0) - (order[b] ?? 0));
      const layers: NscLayer[] = convs.map((_, i) => ({ index: i + 1, type: 1, kernel: 3, pred1: 0, pred2: 0 }));
      let start = 0;
      for (const length of lengths) {
        for (let i = 0; i < length; i++) {
          const [a, b] = [convs[start + i]!, convs[start + ((i + 1) % length)]!];
          layers.push({ index: layers.length + 1, type: 5, kernel: 0, pred1: a, pred2: b });
        }
        start += length;
      }
      layers.push({ index: layers.length + 1, type: 7, kernel: 0, pred1: 0, pred2: 0 });
      return validateBlock(layers);
    };
    const order = fc.array(fc.nat(), { minLength: 12, maxLength: 12 });
    const size = fc.integer({ min: 2, max: 11 });
    fc.assert(
      fc.property(size, draws, order, order, relabelling, (k, d, o1, o2, r) => {
        const lengths = partition(k, d);
        const a = cycleBlock(lengths, o1);
        expect(blockHash(cycleBlock([...lengths].reverse(), o2))).toBe(blockHash(a));
        expect(blockHash(validateBlock(relabel(a, r.priorities, r.swaps, r.listOrder)))).toBe(blockHash(a));
      }),
      scale(50),
    );
    fc.assert(
      fc.property(size, draws, draws, order, order, (k, d1, d2, o1, o2) => {
        const [l1, l2] = [partition(k, d1), partition(k, d2)];
        const same = [...l1].sort().join() === [...l2].sort().join();
        expect(blockHash(cycleBlock(l1, o1)) === blockHash(cycleBlock(l2, o2))).toBe(same);
      }),
      scale(50),
    );
  });

  it('different canonical texts give different hashes', () => {
    fc.assert(
      fc.property(validBlock(), validBlock(), (a, b) => {
        if (canonicalText(a) !== canonicalText(b)) expect(blockHash(a)).not.toBe(blockHash(b));
      }),
      RUNS,
    );
  });
});

/** Random edits of a printed code: characters replaced, removed, inserted, and numbers swapped for odd values. */
const edit = fc.oneof(
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    text: fc.constantFrom('0', '1', '7', '9', '(', ')', ',', ';', ' ', '-', '.', 'x', '[', ']', '{', '}', '"'),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), text: fc.constant('') }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom('(1,1,3,0,0)', '(9,7,0,0,0)', '0', '23', '-1', '1e3', '0x2', ' ', ')(', '[]', 'NaN'),
  }),
  fc.record({
    kind: fc.constant('number' as const),
    at: fc.nat(),
    text: fc.constantFrom('0', '1', '2', '5', '7', '8', '24', '99999999999', '-3', '2.5', '', 'Infinity'),
  }),
);

function applyEdit(text: string, e: { kind: string; at: number; text: string }): string {
  if (e.kind === 'number') {
    const numbers = [...text.matchAll(/-?\d+/g)];
    if (numbers.length === 0) return text;
    const m = numbers[e.at % numbers.length]!;
    return text.slice(0, m.index) + e.text + text.slice(m.index! + m[0].length);
  }
  const at = e.at % (text.length + 1);
  if (e.kind === 'insert') return text.slice(0, at) + e.text + text.slice(at);
  if (e.kind === 'delete') return text.slice(0, at) + text.slice(at + 1);
  return text.slice(0, at) + e.text + text.slice(at + 1);
}

describe('validation of random codes', () => {
  it('a mutated code either validates (and then behaves) or throws InvalidArchitectureError', () => {
    let rejected = 0;
    let accepted = 0;
    fc.assert(
      fc.property(validBlock(), fc.boolean(), fc.array(edit, { minLength: 1, maxLength: 4 }), (block, json, edits) => {
        const text = edits.reduce(applyEdit, json ? JSON.stringify(nscToJson(block)) : printNsc(block));
        let parsed;
        try {
          parsed = parseNsc(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidArchitectureError);
          expect((error as InvalidArchitectureError).details?.rule).toEqual(expect.any(String));
          rejected++;
          return;
        }
        accepted++;
        expect(validateBlock(parsed)).toEqual(parsed);
        expect(parseNsc(printNsc(parsed))).toEqual(parsed);
        expect(blockHash(parsed)).toMatch(/^[0-9a-f]{32}$/);
      }),
      scale(1000),
    );
    // Both branches must run. About 1.5% of mutations stay valid, so a floor of 10 in 1,000
    // failed now and then (seen: exactly 10); none at all has a chance of about 3e-7.
    expect(rejected).toBeGreaterThan(100);
    expect(accepted).toBeGreaterThan(0);
  });

  it('arbitrary JSON values either validate or throw InvalidArchitectureError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.array(fc.array(fc.oneof(fc.integer({ min: -2, max: 25 }), fc.jsonValue()), { maxLength: 6 }), { maxLength: 8 }),
        ),
        (value) => {
          try {
            nscFromJson(value);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidArchitectureError);
          }
        },
      ),
      scale(1000),
    );
  });

  it('arbitrary strings either validate or throw InvalidArchitectureError', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'()[]{},;:0123456789-. \n"xe') }), (text) => {
        try {
          parseNsc(text);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidArchitectureError);
        }
      }),
      scale(1000),
    );
  });
});
