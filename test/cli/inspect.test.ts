import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { inspect } from '../../src/cli/commands/inspect.js';
import { main } from '../../src/cli/main.js';
import { BlockqnnError, InvalidArchitectureError } from '../../src/common/errors.js';
import { INCEPTION_BLOCK_NSC, PAPER_BLOCKS, assembleNetwork, blockHash } from '../../src/search-space/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'blockqnn-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): BlockqnnError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BlockqnnError);
    return error as BlockqnnError;
  }
  throw new Error('expected an error');
}

/** Runs the real CLI in-process; stdout and stderr are recorded (and still written). */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = vi.spyOn(process.stdout, 'write');
  const err = vi.spyOn(process.stderr, 'write');
  try {
    const code = await main(['node', 'blockqnn', ...args]);
    const text = (spy: typeof out) => spy.mock.calls.map((c) => String(c[0])).join('');
    return { code, stdout: text(out), stderr: text(err) };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('inspect: NSC, NAS-Bench-201 and IR', () => {
  it('reports canonical form, hash, density and integer costs of an NSC code', () => {
    const report = inspect('(1,4,0,0,0)(2,1,3,1,0)(3,1,3,2,0)(4,5,0,3,1)(5,7,0,0,0)', { space: 'nsc' });
    expect(report).toMatchObject({
      space: 'nsc',
      canonical: '(1,4,0,0,0)(2,1,3,1,0)(3,1,3,2,0)(4,5,0,1,3)(5,7,0,0,0)',
      density: 1,
      outputShape: [10],
    });
    expect(report.hash).toBe(blockHash(PAPER_BLOCKS.resnet));
    expect(Number.isInteger(report.params) && Number.isInteger(report.flops)).toBe(true);
  });

  it('reads a code from a file and passes the network options on', () => {
    const file = path.join(dir, 'inception.nsc');
    writeFileSync(file, `${INCEPTION_BLOCK_NSC}\n`);
    const report = inspect(file, { space: 'nsc', input: [28, 28, 1], classes: 5, blocks: 1, baseFilters: 8, stages: 2 });
    expect(report.inputShape).toEqual([28, 28, 1]);
    expect(report.outputShape).toEqual([5]);
    expect(report.nodes).toBe(
      assembleNetwork(PAPER_BLOCKS.inception, { inputShape: [28, 28, 1], classes: 5, blocksPerStage: 1, baseFilters: 8, stages: 2 }).ir
        .nodes.length,
    );
  });

  it('costs a NAS-Bench-201 cell as the benchmark does', () => {
    // Row 0 of the benchmark: 0.129306 M params, 15.647370 M FLOPs.
    const report = inspect('|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|', {
      space: 'nasbench201',
    });
    expect(report).toMatchObject({ space: 'nasbench201', params: 129_306, flops: 15_647_370, outputShape: [10] });
  });

  it('inspects an IR file', () => {
    const file = path.join(dir, 'net.json');
    const checked = assembleNetwork(PAPER_BLOCKS.resnet, { blocksPerStage: 1 });
    writeFileSync(file, JSON.stringify(checked.ir));
    expect(inspect(undefined, { space: 'nsc', ir: file })).toMatchObject({
      space: 'ir',
      outputShape: [10],
      nodes: checked.ir.nodes.length,
    });
  });
});

describe('inspect --baseline', () => {
  it('reports a baseline with its own defaults', () => {
    expect(inspect(undefined, { space: 'nsc', baseline: 'resnet-50' })).toMatchObject({
      space: 'baseline',
      baseline: 'resnet-50',
      inputShape: [224, 224, 3],
      outputShape: [1000],
      params: 25_557_032,
    });
  });

  it('passes --input and --classes to the baseline', () => {
    const report = inspect(undefined, { space: 'nsc', baseline: 'se-resnet-20-cifar', input: [28, 28, 1], classes: 4 });
    expect(report).toMatchObject({ inputShape: [28, 28, 1], outputShape: [4] });
  });

  it('lists the valid names for an unknown one', () => {
    const error = thrown(() => inspect(undefined, { space: 'nsc', baseline: 'resnet-51' }));
    expect(error.code).toBe('UNKNOWN_NAME');
    expect(error.message).toBe('unknown baseline "resnet-51"');
    expect(error.hint).toContain('resnet-18, ');
    expect(error.hint).toContain('resnet-20-cifar');
  });

  it('rejects a code or an IR file beside --baseline, and images too small for the network', () => {
    expect(thrown(() => inspect('(1,1,3,0,0)(2,7,0,0,0)', { space: 'nsc', baseline: 'resnet-18' })).code).toBe('INVALID_INPUT');
    expect(thrown(() => inspect(undefined, { space: 'nsc', baseline: 'resnet-18', ir: 'x.json' })).message).toContain('--ir');
    const small = thrown(() => inspect(undefined, { space: 'nsc', baseline: 'resnet-18', input: [16, 16, 3] }));
    expect(small.code).toBe('INVALID_CONFIG');
    expect(small.message).toContain('must be at least 32');
  });
});

describe('inspect: bad input', () => {
  it('names what is missing or wrong', () => {
    expect(thrown(() => inspect(undefined, { space: 'nsc' })).hint).toContain('--baseline NAME');
    expect(thrown(() => inspect('(1,1,3,0,0)', { space: 'nsc' }))).toBeInstanceOf(InvalidArchitectureError);
    expect(thrown(() => inspect('x', { space: 'darts' })).code).toBe('UNKNOWN_NAME');
    expect(thrown(() => inspect('|none~0|', { space: 'nasbench201' }))).toBeInstanceOf(InvalidArchitectureError);
    expect(thrown(() => inspect(undefined, { space: 'nsc', ir: path.join(dir, 'missing.json') })).message).toMatch(
      /^cannot read IR file .*missing\.json/,
    );
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ format: 'blockqnn-ir', version: 1, input: { shape: [8, 8, 3] }, nodes: [], output: 'x' }));
    expect(thrown(() => inspect(undefined, { space: 'nsc', ir: file })).message).toContain('nodes: Too small');
  });
});

describe('blockqnn inspect (the command)', () => {
  it('--json prints params and flops as plain integers', async () => {
    const { code, stdout } = await cli('inspect', '--baseline', 'resnet-18', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.params).toBe(11_689_512);
    expect(Number.isInteger(report.flops)).toBe(true);
    expect(stdout).toMatch(/"params": 11689512,/);
  });

  it('prints a readable report and exits 2 with the hint on an unknown baseline', async () => {
    const ok = await cli('inspect', '--baseline', 'resnet-20-cifar');
    expect(ok.stdout).toMatch(/^space\s+baseline\nbaseline\s+resnet-20-cifar\n/);
    expect(ok.stdout).toContain('269,722');
    const bad = await cli('inspect', '--baseline', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('blockqnn: error [UNKNOWN_NAME]: unknown baseline "nope"');
    expect(bad.stderr).toMatch(/hint: valid baseline names: .*\bresnet-101\b/);
  });

  it('exits 1 on a malformed --input', async () => {
    const { code, stderr } = await cli('inspect', '--baseline', 'resnet-18', '--input', '224x224');
    expect(code).toBe(1);
    expect(stderr).toContain('--input must be HxWxC');
  });
});
