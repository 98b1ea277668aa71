/**
 * Bad-input corpus, search configuration files: what `blockqnn search --config
 * FILE` and the dashboard's start button read. Random bytes, random JSON, and
 * one mutation anywhere in real configurations go through the same path as the
 * command (file → buildSearchConfig → prepareConfig): each gives a checked
 * configuration or a BlockqnnError that names the file or the field.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSearchConfig } from '../../src/cli/search-config.js';
import { parseSearchConfig } from '../../src/orchestrator/config.js';
import { prepareConfig } from '../../src/orchestrator/session.js';
import { tempDir } from '../datasets/fixtures.js';
import { CaseCounter, expectAcceptedOrClear, reportCases } from './fuzz-kit.js';

const counter = new CaseCounter('config-file');
const dir = tempDir('fuzz-config');
afterAll(() => {
  reportCases(counter);
  dir.remove();
});

const path = join(dir.path, 'search.json');
const TABLE = join(import.meta.dirname, '../../data/nasbench201/cifar10.csv.gz');

/** The configuration a file gives, exactly as `blockqnn search --config FILE --engine E` builds it. */
function fromFile(text: string | Uint8Array, engine = 'tfjs') {
  writeFileSync(path, text);
  return prepareConfig(buildSearchConfig({ config: path }, engine));
}

const REAL = [
  {
    name: 'nsc',
    space: 'nsc',
    strategy: 'qlearning',
    task: { kind: 'classification', dataset: { name: 'mnist', subset: 400, imageSize: 8 }, recipe: { epochs: 2, batchSize: 16 } },
    network: { blocksPerStage: 1, baseFilters: 4, stages: 2, downsample: 'avgpool' },
    maxIndex: 6,
    nscTypes: ['se'],
    budget: { candidates: 5 },
    maxInFlight: 2,
    seed: 1,
    reward: { mu: 0.01 },
    baselines: { names: ['blockqnn-resnet-block'], width: 1 },
    strategyOptions: {
      schedule: [
        [1, 2],
        [0.5, 3],
      ],
      alpha: 0.1,
    },
  },
  {
    name: 'nb201',
    space: 'nasbench201',
    strategy: 'evolution',
    task: { kind: 'lookup', table: TABLE, fitness: 'c10valid_val_12ep' },
    budget: { candidates: 5, seconds: 60 },
    seed: 2,
    reuseResults: false,
  },
];

const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, -1, 0, 0.5, 1e308, 2 ** 53, '', 'x', 'all', 'toString', '__proto__', '../../etc/passwd', [], {}, [null], true),
);

function paths(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, String(i)], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

function mutate(base: unknown, path: string[], kind: string, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(base) as Record<string, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  const last = path[path.length - 1]!;
  if (kind === 'drop') delete parent[last];
  else if (kind === 'add') parent[`${last}X`] = value;
  else parent[last] = value;
  return copy;
}

const NAMES = /config|search\.json|strategy|task|network|budget|baseline|dataset|engine|downsample|nsc|maxIndex|epsilon|option|\w+: /i;

describe('search configuration files', () => {
  it('the real configurations are accepted', () => {
    expect(fromFile(JSON.stringify(REAL[0])).network.downsample).toBe('avgpool');
    expect(fromFile(JSON.stringify(REAL[1]), 'table').space).toBe('nasbench201');
    counter.accepted();
    counter.accepted();
  });

  it('random bytes and random text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => void expectAcceptedOrClear(counter, () => fromFile(bytes), /search\.json/)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => void expectAcceptedOrClear(counter, () => fromFile(s), NAMES)),
      { numRuns: 300 },
    );
  });

  it('random JSON objects with the real keys', () => {
    const keys = [
      'name',
      'space',
      'strategy',
      'strategyOptions',
      'engine',
      'task',
      'network',
      'maxIndex',
      'nscTypes',
      'budget',
      'maxInFlight',
      'seed',
      'reward',
      'timeLimitSeconds',
      'reuseResults',
      'baselines',
      'taskKey',
    ];
    const object = fc.dictionary(fc.constantFrom(...keys), hostile, { maxKeys: 5 });
    fc.assert(
      fc.property(object, (o) => void expectAcceptedOrClear(counter, () => fromFile(JSON.stringify(o)), NAMES)),
      { numRuns: 700 },
    );
  });

  it('one mutation anywhere in a real configuration', () => {
    const mutation = fc.record({
      which: fc.constantFrom(0, 1),
      pick: fc.nat(),
      kind: fc.constantFrom('drop', 'replace', 'replace', 'add'),
      value: hostile,
    });
    fc.assert(
      fc.property(mutation, (m) => {
        const base = REAL[m.which]!;
        const all = paths(base);
        const config = mutate(base, all[m.pick % all.length]!, m.kind, m.value);
        expectAcceptedOrClear(counter, () => fromFile(JSON.stringify(config) ?? 'null', m.which === 1 ? 'table' : 'tfjs'), NAMES);
      }),
      { numRuns: 1500 },
    );
  });

  it('a stored configuration read back on resume (parseSearchConfig) refuses what it cannot use', () => {
    const stored = prepareConfig(buildSearchConfig({ config: (writeFileSync(path, JSON.stringify(REAL[0])), path) }, 'tfjs'));
    const all = paths(stored);
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom('drop', 'replace', 'add'), hostile, (pick, kind, value) => {
        expectAcceptedOrClear(
          counter,
          () => parseSearchConfig(mutate(stored, all[pick % all.length]!, kind, value)),
          /invalid search config: /,
        );
      }),
      { numRuns: 1000 },
    );
  });
});
