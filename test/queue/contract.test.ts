/** The job contract: a lookup job needs no IR (the engine reads its key); a classification job does. */
import { describe, expect, it } from 'vitest';
import { JOB_CONTRACT, RESULT_CONTRACT, parseEvaluateJob, parseEvaluateResult } from '../../src/queue/contract.js';
import { buildNb201Network, parseNb201 } from '../../src/search-space/index.js';
import { parseTask } from '../../src/task/task.js';

const ARCH = '|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|none~0|avg_pool_3x3~1|nor_conv_1x1~2|';
const base = { contract: JOB_CONTRACT, runId: 'r1', candidateHash: 'ab'.repeat(16), engine: 'table', seed: 1, timeLimitSeconds: 60 };
const lookup = parseTask({ kind: 'lookup', table: '/tmp/table.csv', fitness: 'acc' });

describe('evaluate job contract', () => {
  it('accepts a lookup job with a key and no IR', () => {
    const job = parseEvaluateJob({ ...base, task: lookup, candidateKey: ARCH });
    expect(job.ir).toBeUndefined();
    expect(job.candidateKey).toBe(ARCH);
  });

  it('rejects a lookup job without a key, naming the field', () => {
    expect(() => parseEvaluateJob({ ...base, task: lookup })).toThrow(/candidateKey/);
  });

  it('rejects a classification job without an IR, naming the field, and accepts it with one', () => {
    const task = parseTask({ kind: 'classification', dataset: { name: 'mnist' }, recipe: { epochs: 1 } });
    expect(() => parseEvaluateJob({ ...base, engine: 'tfjs', task })).toThrow(/ir.*classification job needs the network IR/);
    const ir = buildNb201Network(parseNb201(ARCH), { inputShape: [8, 8, 1], classes: 10 }).ir;
    expect(parseEvaluateJob({ ...base, engine: 'tfjs', task, ir }).ir).toEqual(ir);
  });

  it('carries a pruner only on classification evaluations, checked against the recipe, and absent stays valid', () => {
    const task = parseTask({ kind: 'classification', dataset: { name: 'mnist' }, recipe: { epochs: 4 } });
    const ir = buildNb201Network(parseNb201(ARCH), { inputShape: [8, 8, 1], classes: 10 }).ir;
    const job = { ...base, engine: 'torch', task, ir };
    expect(parseEvaluateJob(job).pruner).toBeUndefined();
    expect(parseEvaluateJob({ ...job, pruner: { name: 'asha', options: { reductionFactor: 3 } } }).pruner).toEqual({
      name: 'asha',
      options: { reductionFactor: 3 },
    });
    expect(() => parseEvaluateJob({ ...job, pruner: { name: 'asha', options: { reductionFactor: 1 } } })).toThrow(
      /pruner: pruner asha: reductionFactor: must be >= 2/,
    );
    expect(() => parseEvaluateJob({ ...job, pruner: { name: 'median', options: { warmupEpochs: 3 } } })).toThrow(
      /warmupEpochs 3 leaves no epoch to decide at in a 4-epoch recipe/,
    );
    expect(() => parseEvaluateJob({ ...job, pruner: { name: 'hyperband' } })).toThrow(/unknown pruner "hyperband"/);
    expect(() => parseEvaluateJob({ ...job, purpose: 'train', pruner: { name: 'median' } })).toThrow(
      /only a search's classification evaluations are pruned/,
    );
    expect(() => parseEvaluateJob({ ...base, task: lookup, candidateKey: ARCH, pruner: { name: 'median' } })).toThrow(
      /only a search's classification/,
    );
  });

  it('accepts a pruned result with the curve of the epochs it trained', () => {
    const result = parseEvaluateResult({
      contract: RESULT_CONTRACT,
      runId: 'r1',
      candidateHash: 'ab'.repeat(16),
      status: 'pruned',
      accuracy: 0.3,
      curve: [{ epoch: 1, loss: 2, trainAccuracy: 0.2, valAccuracy: 0.3, learningRate: 1e-3, seconds: 1 }],
      trainSeconds: 1,
      evalSeconds: 0.1,
      imagesPerSecond: 100,
      worker: { id: 'w', host: 'h', pid: 1 },
      engine: { name: 'torch', description: 'd' },
      attempt: 1,
      finishedAt: 1,
    });
    expect(result.status).toBe('pruned');
  });
});
