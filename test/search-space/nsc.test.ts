import { describe, expect, it } from 'vitest';
import { InvalidArchitectureError } from '../../src/common/errors.js';
import {
  INCEPTION_BLOCK_NSC,
  RESNET_BLOCK_NSC,
  density,
  nscFromJson,
  nscToJson,
  outputLayers,
  parseNsc,
  printNsc,
  validateBlock,
} from '../../src/search-space/index.js';
import type { NscLayer } from '../../src/search-space/index.js';

/** Runs `fn`, expects an InvalidArchitectureError and returns it. */
function rejection(fn: () => unknown): InvalidArchitectureError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArchitectureError);
    return error as InvalidArchitectureError;
  }
  throw new Error('expected an InvalidArchitectureError, nothing was thrown');
}

describe('parseNsc / printNsc / JSON', () => {
  it('round-trips the paper blocks through text and both JSON forms', () => {
    for (const text of [RESNET_BLOCK_NSC, INCEPTION_BLOCK_NSC]) {
      const block = parseNsc(text);
      expect(printNsc(block)).toBe(text);
      expect(printNsc(nscFromJson(nscToJson(block)))).toBe(text);
      expect(printNsc(nscFromJson(JSON.parse(JSON.stringify(block))))).toBe(text);
      expect(printNsc(parseNsc(JSON.stringify(nscToJson(block))))).toBe(text);
    }
  });

  it('accepts separators and whitespace between tuples and sorts layers by index', () => {
    const block = parseNsc('  (2,1,3,1,0) ; (1, 1, 1, 0, 0),\n(3,7,0,0,0)  ');
    expect(printNsc(block)).toBe('(1,1,1,0,0)(2,1,3,1,0)(3,7,0,0,0)');
  });

  it('parses the layer fields in order', () => {
    const [layer] = parseNsc('(1,2,3,0,0)(2,7,0,0,0)');
    expect(layer).toEqual({ index: 1, type: 2, kernel: 3, pred1: 0, pred2: 0 });
  });
});

describe('validation rules', () => {
  const cases: [string, string, string, number | undefined][] = [
    // [description, code, rule, layer named in the message]
    ['forward reference', '(1,1,3,2,0)(2,1,3,0,0)(3,7,0,0,0)', 'forward-reference', 1],
    ['self reference', '(1,1,3,0,0)(2,1,3,2,0)(3,7,0,0,0)', 'self-reference', 2],
    ['negative predecessor', '(1,1,3,-1,0)(2,7,0,0,0)', 'index-range', 1],
    ['pred2 non-zero for a conv', '(1,1,3,0,0)(2,1,3,1,1)(3,7,0,0,0)', 'arity', 2],
    ['pred2 non-zero for a pool', '(1,1,3,0,0)(2,2,3,1,0)(3,3,1,2,1)(4,7,0,0,0)', 'arity', 3],
    ['pred2 non-zero for identity', '(1,1,3,0,0)(2,4,0,1,1)(3,7,0,0,0)', 'arity', 2],
    ['add with the same two predecessors', '(1,1,3,0,0)(2,5,0,1,1)(3,7,0,0,0)', 'arity', 2],
    ['concat with the same two predecessors', '(1,1,3,0,0)(2,6,0,0,0)(3,7,0,0,0)', 'arity', 2],
    ['terminal with predecessors', '(1,1,3,0,0)(2,7,0,1,0)', 'arity', 2],
    ['unknown type', '(1,10,0,0,0)(2,7,0,0,0)', 'unknown-type', 1],
    ['optional type (8, se) not enabled', '(1,8,0,0,0)(2,7,0,0,0)', 'disabled-type', 1],
    ['type zero', '(1,0,0,0,0)(2,7,0,0,0)', 'unknown-type', 1],
    ['conv kernel 7', '(1,1,7,0,0)(2,7,0,0,0)', 'bad-kernel', 1],
    ['max pool kernel 5', '(1,2,5,0,0)(2,7,0,0,0)', 'bad-kernel', 1],
    ['identity with a kernel', '(1,4,3,0,0)(2,7,0,0,0)', 'bad-kernel', 1],
    ['add with a kernel', '(1,1,3,0,0)(2,5,3,0,1)(3,7,0,0,0)', 'bad-kernel', 2],
    ['missing terminal', '(1,1,3,0,0)(2,1,3,1,0)', 'missing-terminal', undefined],
    ['two terminals', '(1,1,3,0,0)(2,7,0,0,0)(3,7,0,0,0)', 'multiple-terminals', 3],
    ['terminal not last', '(1,1,3,0,0)(2,7,0,0,0)(3,1,3,1,0)', 'terminal-last', 2],
    ['only a terminal', '(1,7,0,0,0)', 'empty', 1],
    ['duplicate index', '(1,1,3,0,0)(1,1,1,0,0)(2,7,0,0,0)', 'duplicate-index', 1],
    ['index zero', '(0,1,3,0,0)(1,7,0,0,0)', 'index-range', 0],
    ['predecessor that does not exist', '(1,1,3,0,0)(3,1,3,2,0)(4,7,0,0,0)', 'missing-predecessor', 3],
  ];
  for (const [description, code, rule, layer] of cases) {
    it(`rejects ${description} (${rule})`, () => {
      const error = rejection(() => parseNsc(code));
      expect(error.details?.rule).toBe(rule);
      expect(error.code).toBe('INVALID_ARCHITECTURE');
      if (layer !== undefined) {
        expect(error.details?.layer).toBe(layer);
        expect(error.message).toContain(`layer ${layer} (`);
      }
    });
  }

  it('rejects a block longer than maxIndex and an index above it', () => {
    const chain = (n: number) => Array.from({ length: n }, (_, i) => `(${i + 1},1,3,${i},0)`).join('') + `(${n + 1},7,0,0,0)`;
    expect(() => parseNsc(chain(22))).not.toThrow();
    expect(rejection(() => parseNsc(chain(23))).details?.rule).toBe('oversize');
    expect(rejection(() => parseNsc(chain(3), { maxIndex: 3 })).details?.rule).toBe('oversize');
    const far = rejection(() => parseNsc('(1,1,3,0,0)(30,7,0,0,0)'));
    expect(far.details).toMatchObject({ rule: 'oversize', layer: 30 });
    expect(far.message).toContain('exceeds the maximum index 23');
    expect(rejection(() => parseNsc('(1,1,3,0,0)(2,7,0,0,0)', { maxIndex: 1 })).details?.rule).toBe('max-index');
  });

  it('rejects non-integers in text, JSON and direct calls', () => {
    expect(rejection(() => parseNsc('(1,1,3.5,0,0)(2,7,0,0,0)')).message).toContain('field kernel is "3.5"');
    expect(rejection(() => parseNsc('(1,a,3,0,0)(2,7,0,0,0)')).details?.rule).toBe('integer');
    expect(
      rejection(() =>
        nscFromJson([
          [1, 1, 3, 0, null],
          [2, 7, 0, 0, 0],
        ]),
      ).message,
    ).toContain('field pred2 is null');
    expect(rejection(() => nscFromJson([{ index: 1, type: 1, kernel: 3, pred1: 0 }, [2, 7, 0, 0, 0]])).message).toContain('pred2');
    const layers: NscLayer[] = [
      { index: 1, type: 1, kernel: 3, pred1: 0.5, pred2: 0 },
      { index: 2, type: 7, kernel: 0, pred1: 0, pred2: 0 },
    ];
    const error = rejection(() => validateBlock(layers));
    expect(error.details).toMatchObject({ rule: 'integer', layer: 1 });
    expect(error.message).toContain('pred1 must be an integer, got 0.5');
  });

  it('rejects syntax errors naming what is wrong', () => {
    for (const [text, rule] of [
      ['', 'empty'],
      ['   ', 'empty'],
      ['hello', 'syntax'],
      ['(1,1,3,0,0)x(2,7,0,0,0)', 'syntax'],
      ['(1,1,3,0,0)(2,7,0,0,0', 'syntax'],
      ['((1,1,3,0,0))(2,7,0,0,0)', 'syntax'],
      ['(1,1,3,0)(2,7,0,0,0)', 'tuple-length'],
      ['(1,1,3,0,0,0)(2,7,0,0,0)', 'tuple-length'],
      ['[[1,1,3,0,0],', 'syntax'],
      ['{"index":1}', 'syntax'],
      ['[1,2,3]', 'syntax'],
    ] as const) {
      expect(rejection(() => parseNsc(text)).details?.rule, text).toBe(rule);
    }
    expect(rejection(() => parseNsc('(1,1,3,0,0)x(2,7,0,0,0)')).message).toContain('"x" before tuple 2');
    expect(rejection(() => nscFromJson({ layers: [] })).message).toContain('expected an array of layers');
  });

  it('gives every error a hint or a rule a caller can act on', () => {
    const error = rejection(() => parseNsc('(1,1,4,0,0)(2,7,0,0,0)'));
    expect(error.message).toBe('invalid NSC block: layer 1 (1,1,4,0,0): kernel 4 is not allowed for conv (allowed: 1, 3, 5)');
    expect(error.hint).toMatch(/types 1 conv/);
    expect(error.details?.tuple).toEqual([1, 1, 4, 0, 0]);
  });
});

describe('outputLayers and density', () => {
  it('finds the layers without successors', () => {
    expect(outputLayers(parseNsc(INCEPTION_BLOCK_NSC)).map((l) => l.index)).toEqual([2, 4, 6, 8]);
    expect(outputLayers(parseNsc(RESNET_BLOCK_NSC)).map((l) => l.index)).toEqual([4]);
  });

  it('is edges / nodes on hand-worked examples', () => {
    // One conv: input→conv, conv→out = 2 edges; input, conv, out = 3 nodes.
    expect(density(parseNsc('(1,1,3,0,0)(2,7,0,0,0)'))).toBeCloseTo(2 / 3, 12);
    // Chain of 3: 4 edges, 5 nodes.
    expect(density(parseNsc('(1,1,3,0,0)(2,2,3,1,0)(3,1,1,2,0)(4,7,0,0,0)'))).toBeCloseTo(4 / 5, 12);
    // ResNet block: identity 1 + conv 1 + conv 1 + add 2 + 1 output edge = 6 edges; 4 layers + 2 = 6 nodes.
    expect(density(parseNsc(RESNET_BLOCK_NSC))).toBe(1);
    // Inception block: 8 single-input layers + 4 output edges = 12 edges; 8 layers + 2 = 10 nodes.
    expect(density(parseNsc(INCEPTION_BLOCK_NSC))).toBeCloseTo(1.2, 12);
    // Two parallel convs concatenated: 1 + 1 + 2 + 1 = 5 edges; 3 layers + 2 = 5 nodes.
    expect(density(parseNsc('(1,1,3,0,0)(2,1,1,0,0)(3,6,0,1,2)(4,7,0,0,0)'))).toBe(1);
    // Two parallel outputs: 2 + 2 = 4 edges, 4 nodes.
    expect(density(parseNsc('(1,1,3,0,0)(2,2,3,0,0)(3,7,0,0,0)'))).toBe(1);
  });
});
