/** The job contract: a lookup job needs no IR (the engine reads its key); a classification job does. */
import { describe, expect, it } from 'vitest';
import { JOB_CONTRACT, parseEvaluateJob } from '../../src/queue/contract.js';
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
});
