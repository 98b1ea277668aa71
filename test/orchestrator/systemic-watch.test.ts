/** The systemic-failure watch, the failure reasons it and the reports count under, and how a worker types a host's fault. */
import { expect, it } from 'vitest';
import { BlockqnnError, EnvironmentError, ErrorCode } from '../../src/common/errors.js';
import { failureReason, topFailures } from '../../src/common/failure-causes.js';
import { environmentCause, failureOutcome } from '../../src/engines/failure.js';
import { SystemicFailureWatch, describePause } from '../../src/orchestrator/loop/systemic.js';
import { checkDatasetFiles } from '../../src/datasets/index.js';

const missing = {
  status: 'failed',
  cause: 'dataset_missing' as const,
  error: 'NOT_FOUND: CIFAR-10 file data_batch_1.bin not found in /x\n  hint: download it',
  workerId: 'h:1:cpu0',
};

it('pauses after the threshold of one cause in a row; anything else breaks the row', () => {
  const watch = new SystemicFailureWatch(3);
  expect(watch.observe(missing)).toBeNull();
  expect(watch.observe(missing)).toBeNull();
  expect(watch.observe({ status: 'ok' })).toBeNull();
  expect(watch.observe(missing)).toBeNull();
  expect(watch.observe({ status: 'failed', error: 'shape mismatch' })).toBeNull();
  expect(watch.observe(missing)).toBeNull();
  expect(watch.observe({ ...missing, cause: 'disk_full', error: 'ENOSPC: no space left on device, write' })).toBeNull();
  expect(watch.observe(missing)).toBeNull();
  expect(watch.observe({ ...missing, workerId: 'h:2:cpu0' })).toBeNull();
  const pause = watch.observe(missing)!;
  expect(pause).toEqual({
    cause: 'dataset_missing',
    reason: 'NOT_FOUND: CIFAR-10 file data_batch_1.bin not found in /x',
    count: 3,
    workers: ['h:1:cpu0', 'h:2:cpu0'],
  });
  expect(describePause(pause)).toBe(
    '3 results in a row failed because the dataset is missing where the job ran (workers h:1:cpu0, h:2:cpu0): NOT_FOUND: CIFAR-10 file data_batch_1.bin not found in /x',
  );
  expect(new SystemicFailureWatch(0).observe(missing)).toBeNull();
});

it('counts a failure under its first line, or its status without an error; the commonest first', () => {
  expect(failureReason('failed', 'A: b\n  at x')).toBe('A: b');
  expect(failureReason('diverged', null)).toBe('diverged');
  expect(failureReason('failed', 'x'.repeat(500))).toHaveLength(200);
  expect(
    topFailures(
      new Map([
        ['b', 2],
        ['a', 2],
        ['c', 5],
      ]),
      2,
    ),
  ).toEqual([
    { reason: 'c', count: 5 },
    { reason: 'a', count: 2 },
  ]);
});

it('types the host faults a worker can tell, and only those', () => {
  expect(environmentCause(new EnvironmentError('dataset_missing', ErrorCode.NOT_FOUND, 'gone'))).toBe('dataset_missing');
  expect(environmentCause(new BlockqnnError(ErrorCode.ENGINE_UNAVAILABLE, 'no torch'))).toBe('engine_unavailable');
  expect(environmentCause(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }))).toBe('disk_full');
  expect(environmentCause(new Error('trainer: OSError: [Errno 28] No space left on device'))).toBe('disk_full');
  expect(
    environmentCause(new BlockqnnError(ErrorCode.INTERNAL, 'wrapped', { cause: Object.assign(new Error('x'), { code: 'ENOSPC' }) })),
  ).toBe('disk_full');
  expect(environmentCause(new BlockqnnError(ErrorCode.NOT_FOUND, 'no row with arch_str = ...'))).toBeUndefined();
  expect(environmentCause(new Error('shape mismatch'))).toBeUndefined();
  expect(failureOutcome(new EnvironmentError('dataset_missing', ErrorCode.NOT_FOUND, 'gone'))).toMatchObject({
    status: 'failed',
    cause: 'dataset_missing',
  });
  expect(failureOutcome(new Error('bug')).cause).toBeUndefined();
});

it('a dataset missing on this host is a typed NOT_FOUND naming the file, found by a stat', async () => {
  const error = await checkDatasetFiles({ name: 'cifar10' }, { dir: '/nonexistent-blockqnn' }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EnvironmentError);
  expect([(error as EnvironmentError).code, (error as EnvironmentError).environment, (error as Error).message]).toEqual([
    ErrorCode.NOT_FOUND,
    'dataset_missing',
    'CIFAR-10 file data_batch_1.bin not found in /nonexistent-blockqnn',
  ]);
  await expect(checkDatasetFiles('mnist')).resolves.toBeUndefined();
});
