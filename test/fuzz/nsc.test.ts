/**
 * Bad-input corpus, NSC text and JSON: random characters, tuple-shaped noise,
 * random JSON and one-field mutations of valid blocks. Every input is either a
 * valid block (then it prints, re-parses to itself, hashes and assembles into a
 * network) or an InvalidArchitectureError naming the NSC problem.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { assembleNetwork, blockHash, networkCost, nscFromJson, parseNsc, printNsc } from '../../src/search-space/index.js';
import type { NscBlock, NscOptions } from '../../src/search-space/index.js';
import { validBlock } from '../search-space/nsc-arbitrary.js';
import { CaseCounter, expectAcceptedOrClear, reportCases } from './fuzz-kit.js';

const text = new CaseCounter('nsc-text');
const json = new CaseCounter('nsc-json');
afterAll(() => reportCases(text, json));

const NAMES = /NSC/;
const smallNetwork = { inputShape: [8, 8, 1] as [number, number, number], classes: 10, baseFilters: 2, stages: 2, blocksPerStage: 1 };

/** What an accepted block must still do: print and re-parse to itself, hash, and build a checked network. */
function usable(block: NscBlock, options: NscOptions): void {
  expect(parseNsc(printNsc(block), options)).toEqual(block);
  expect(blockHash(block)).toMatch(/^[0-9a-f]{16,64}$/);
  const cost = networkCost(assembleNetwork(block, smallNetwork));
  expect(Number.isFinite(cost.macs)).toBe(true);
}

function parseText(input: string, options: NscOptions = {}): void {
  const block = expectAcceptedOrClear(text, () => parseNsc(input, options), NAMES);
  if (block) usable(block, options);
}

const fieldValue = fc.oneof(
  fc.integer({ min: -3, max: 12 }),
  fc.integer(),
  fc.constantFrom('', ' ', '1.5', '1e3', '-0', '0x1', 'NaN', 'Infinity', '9'.repeat(400), '+1', '1_0', 'one'),
);
const tupleText = fc.array(fieldValue, { minLength: 0, maxLength: 7 }).map((fields) => `(${fields.join(',')})`);
const separator = fc.constantFrom('', ' ', ',', ';', '\n', ')(', '((', 'x', '\u0000', '[', '{');

describe('NSC text', () => {
  it("random characters from the grammar's alphabet and beyond", () => {
    const alphabet = fc.constantFrom(...'()(),,,0123456789 -;[]{}".e+x\n\t\u00a0\u2028é'.split(''));
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 80 }), (s) => parseText(s)),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => parseText(s)),
      { numRuns: 500 },
    );
  });

  it('tuple-shaped noise: right shape, wrong values, stray separators', () => {
    const code = fc.array(fc.tuple(separator, tupleText), { maxLength: 9 }).map((parts) => parts.map(([s, t]) => s + t).join(''));
    fc.assert(
      fc.property(code, fc.integer({ min: -1, max: 30 }), (c, maxIndex) => parseText(c, { maxIndex })),
      { numRuns: 1500 },
    );
  });

  it('one-field mutations of valid blocks, with and without the optional types', () => {
    const mutation = fc.record({ layer: fc.nat(), field: fc.nat({ max: 4 }), value: fc.integer({ min: -2, max: 25 }) });
    fc.assert(
      fc.property(
        validBlock({ maxIndex: 8 }),
        mutation,
        fc.constantFrom<NscOptions['extraTypes']>(undefined, ['se'], ['se', 'dpp']),
        (block, m, extraTypes) => {
          const tuples = block.map((l) => [l.index, l.type, l.kernel, l.pred1, l.pred2]);
          tuples[m.layer % tuples.length]![m.field] = m.value;
          parseText(tuples.map((t) => `(${t.join(',')})`).join(''), { maxIndex: 8, ...(extraTypes ? { extraTypes } : {}) });
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('unknown optional type names are refused by name', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (name) => {
        const block = expectAcceptedOrClear(text, () => parseNsc('(1,1,3,0,0)(2,7,0,0,0)', { extraTypes: [name as 'se'] }), NAMES);
        if (!block) return;
        expect(['se', 'dpp']).toContain(name);
      }),
      { numRuns: 200 },
    );
  });

  it('very long inputs fail fast with the size named', () => {
    const long = '(1,1,3,0,0)'.repeat(50_000);
    expect(() => parseNsc(long)).toThrow(/layers, more than the maximum index/);
    text.refused();
    expect(() => parseNsc(`${'('.repeat(100_000)}1,1,3,0,0)`)).toThrow(/invalid NSC text/);
    text.refused();
  });
});

describe('NSC JSON', () => {
  it('random JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (value) => {
        const block = expectAcceptedOrClear(json, () => nscFromJson(value), NAMES);
        if (block) usable(block, {});
      }),
      { numRuns: 1000 },
    );
  });

  it('arrays of tuples and objects with hostile fields', () => {
    const hostile = fc.oneof(
      fieldValue,
      fc.constant(null),
      fc.constant(undefined),
      fc.boolean(),
      fc.constant([]),
      fc.constant({}),
      fc.double(),
      fc.bigInt().map(String),
    );
    const layer = fc.oneof(
      fc.array(hostile, { maxLength: 6 }),
      fc.record({ index: hostile, type: hostile, kernel: hostile, pred1: hostile, pred2: hostile }, { requiredKeys: [] }),
      fc.constant(Object.create(null) as object),
      fc.constant({ toString: 'x', valueOf: 3, index: { valueOf: () => 1 } }),
    );
    fc.assert(
      fc.property(fc.array(layer, { maxLength: 8 }), (layers) => {
        const block = expectAcceptedOrClear(json, () => nscFromJson(layers), NAMES);
        if (block) usable(block, {});
        // The text form takes the same JSON.
        expectAcceptedOrClear(json, () => parseNsc(JSON.stringify(layers)), NAMES);
      }),
      { numRuns: 1000 },
    );
  });

  it('valid blocks as JSON tuples or objects, with one field replaced by a hostile value', () => {
    const hostile = fc.oneof(
      fc.integer({ min: -2, max: 12 }),
      fc.constantFrom('3', ' 3 ', '', '3.0', '1e0', null, true, [3], { valueOf: 3 }, 2.5, -0),
    );
    fc.assert(
      fc.property(
        validBlock({ maxIndex: 8 }),
        fc.boolean(),
        fc.nat(),
        fc.nat({ max: 4 }),
        fc.option(hostile, { freq: 3 }),
        (block, asObjects, at, field, value) => {
          const rows: unknown[] = block.map((l) =>
            asObjects
              ? { index: l.index, type: l.type, kernel: l.kernel, pred1: l.pred1, pred2: l.pred2 }
              : [l.index, l.type, l.kernel, l.pred1, l.pred2],
          );
          if (value !== null) {
            const row = rows[at % rows.length] as Record<string, unknown> | unknown[];
            if (Array.isArray(row)) row[field] = value;
            else row[['index', 'type', 'kernel', 'pred1', 'pred2'][field]!] = value;
          }
          const parsed = expectAcceptedOrClear(json, () => nscFromJson(rows, { maxIndex: 8 }), NAMES);
          if (parsed) usable(parsed, { maxIndex: 8 });
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('errors carry the INVALID_ARCHITECTURE code', () => {
    try {
      nscFromJson([[1, 1, 3, 0, 0], 'x']);
      expect.unreachable();
    } catch (error) {
      expect((error as { code: string }).code).toBe(ErrorCode.INVALID_ARCHITECTURE);
    }
    json.refused();
  });
});

describe('network options', () => {
  it('a downsampling named like an Object.prototype member is refused, not looked up', () => {
    const block = parseNsc('(1,1,3,0,0)(2,7,0,0,0)');
    for (const downsample of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(() => assembleNetwork(block, { ...smallNetwork, downsample })).toThrow(/downsample/);
      text.refused();
    }
  });
});
