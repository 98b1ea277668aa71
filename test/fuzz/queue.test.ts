/**
 * Bad-input corpus, queue payloads: what a worker takes off Redis and what the
 * controller takes back. Random JSON and one-field mutations of real jobs and
 * results (fields dropped, replaced with hostile values, unknown fields added)
 * must parse or fail with an INVALID_INPUT error that names the payload and
 * the field.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/common/errors.js';
import { JOB_CONTRACT, RESULT_CONTRACT, parseEvaluateJob, parseEvaluateResult } from '../../src/queue/contract.js';
import { assembleNetwork, parseNsc } from '../../src/search-space/index.js';
import { parseResponse } from '../../src/engines/torch/protocol.js';
import { parseTask } from '../../src/task/task.js';
import { CaseCounter, expectAcceptedOrClear, expectClearError, reportCases } from './fuzz-kit.js';

const jobs = new CaseCounter('queue-job');
const results = new CaseCounter('queue-result');
const trainer = new CaseCounter('torch-trainer-line');
afterAll(() => reportCases(jobs, results, trainer));

const ir = assembleNetwork(parseNsc('(1,1,3,0,0)(2,2,3,1,0)(3,5,0,1,2)(4,7,0,0,0)'), {
  inputShape: [8, 8, 1],
  classes: 10,
  blocksPerStage: 1,
  baseFilters: 4,
  stages: 2,
}).ir;
const classification = {
  contract: JOB_CONTRACT,
  runId: 'run-1',
  candidateHash: 'ab'.repeat(16),
  engine: 'torch',
  seed: 3,
  timeLimitSeconds: 600,
  ir,
  task: parseTask({ kind: 'classification', dataset: { name: 'mnist', subset: 400, imageSize: 8 }, recipe: { epochs: 2 } }),
};
const lookup = {
  contract: JOB_CONTRACT,
  runId: 'run-2',
  candidateHash: 'cd'.repeat(8),
  engine: 'table',
  seed: 0,
  timeLimitSeconds: 60,
  candidateKey: '|nor_conv_3x3~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|',
  task: parseTask({ kind: 'lookup', table: '/data/nb201.csv', fitness: 'c10valid_val_12ep' }),
};
const result = {
  contract: RESULT_CONTRACT,
  runId: 'run-1',
  candidateHash: 'ab'.repeat(16),
  status: 'ok',
  accuracy: 0.91,
  curve: [{ epoch: 1, loss: 0.5, trainAccuracy: 0.8, valAccuracy: 0.85, learningRate: 0.001, seconds: 2 }],
  trainSeconds: 4,
  evalSeconds: 0.1,
  imagesPerSecond: 900,
  extra: { 'fgsmAccuracy@0.125': 0.2 },
  worker: { id: 'host:1:cpu0', host: 'host', pid: 1 },
  engine: { name: 'torch', description: 'torch 1.13 cpu' },
  attempt: 1,
  finishedAt: 1_700_000_000_000,
};

const hostile = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, -1, 0, 1.5, 2 ** 53, -0, 'x', '', '../../etc/passwd', 'run/../../x', 'a\nb', 'x'.repeat(5000), [], {}, true),
);

/** Every path of a plain JSON object, so a mutation can reach nested fields (task.recipe.epochs, ir.nodes.3.kernel, ...). */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.slice(0, 6).forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

function mutate(base: unknown, path: (string | number)[], kind: string, value: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  if (path.length === 0) return kind === 'drop' ? undefined : value;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (kind === 'drop') delete parent[last];
  else if (kind === 'add') parent[`${String(last)}Extra`] = value;
  else parent[last] = value;
  return copy;
}

function mutations(base: unknown) {
  const all = paths(base);
  return fc
    .record({ path: fc.constantFrom(...all), kind: fc.constantFrom('drop', 'replace', 'replace', 'add'), value: hostile })
    .map((m) => mutate(base, m.path, m.kind, m.value));
}

const NAMES = /malformed (evaluate job|evaluation result): /;

describe('evaluate jobs', () => {
  it('the real jobs parse', () => {
    expect(parseEvaluateJob(classification).ir).toEqual(ir);
    expect(parseEvaluateJob(lookup).candidateKey).toBe(lookup.candidateKey);
    jobs.accepted();
    jobs.accepted();
  });

  it('random JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => void expectAcceptedOrClear(jobs, () => parseEvaluateJob(v), NAMES)),
      { numRuns: 500 },
    );
  });

  it('one mutation anywhere in a classification or a lookup job', () => {
    fc.assert(
      fc.property(fc.oneof(mutations(classification), mutations(lookup)), (job) => {
        const parsed = expectAcceptedOrClear(jobs, () => parseEvaluateJob(job), NAMES);
        if (parsed) {
          // What got through is still a job a worker can use: safe ids, the IR or the key its task needs.
          expect(parsed.runId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
          expect(parsed.candidateHash).toMatch(/^[0-9a-f]{16,64}$/);
          if (parsed.task.kind === 'classification') expect(parsed.ir).toBeDefined();
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('errors carry INVALID_INPUT and the field path', () => {
    try {
      parseEvaluateJob({ ...classification, seed: -1 });
      expect.unreachable();
    } catch (error) {
      expectClearError(error, /seed/);
      expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    }
    jobs.refused();
  });
});

describe('evaluation results', () => {
  it('random JSON and one mutation anywhere in a real result', () => {
    expect(parseEvaluateResult(result).accuracy).toBe(0.91);
    results.accepted();
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (v) => void expectAcceptedOrClear(results, () => parseEvaluateResult(v), NAMES)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(mutations(result), (r) => {
        const parsed = expectAcceptedOrClear(results, () => parseEvaluateResult(r), NAMES);
        if (parsed && parsed.accuracy !== null) expect(parsed.accuracy >= 0 && parsed.accuracy <= 1).toBe(true);
      }),
      { numRuns: 2500 },
    );
  });
});

describe('torch trainer protocol lines', () => {
  it('a line from the Python trainer that is not a known message is ignored (null), never thrown', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
      fc
        .record(
          {
            type: fc.constantFrom('ready', 'progress', 'result', 'error', 'log'),
            id: fc.oneof(fc.nat(), fc.string()),
            epoch: fc.oneof(fc.nat(), fc.double()),
            status: fc.string(),
          },
          { requiredKeys: ['type'] },
        )
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(line, (l) => {
        const parsed = parseResponse(l);
        if (parsed === null) trainer.refused();
        else trainer.accepted();
      }),
      { numRuns: 2000 },
    );
  });
});
