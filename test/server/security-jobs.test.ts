/**
 * A job is data, never code or a path: the queue contract refuses unknown ops,
 * unknown fields, path-like run ids and hashes, ids that could break out of
 * generated source, and oversized graphs; and the PyTorch module the torch
 * engine generates is built only from the validated IR — hostile but valid
 * ids and names end up as sanitised identifiers and comment text, which
 * Python's own parser confirms (only torch imported, no other calls or names
 * smuggled in), and the module runs.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { JOB_CONTRACT, parseEvaluateJob } from '../../src/queue/contract.js';
import { generateTorchModule } from '../../src/engines/torch/index.js';
import { tfjsEngineFactory } from '../../src/engines/tfjs/engine.js';
import { INPUT_ID, IR_OPS, assembleNetwork, parseIr, parseNsc } from '../../src/search-space/index.js';
import { parseTask } from '../../src/task/task.js';

const PYTHON = process.env.BLOCKQNN_PYTHON ?? '/usr/bin/python3';
const ir = assembleNetwork(parseNsc('(1,1,3,0,0)(2,1,3,1,0)(3,5,0,2,0)(4,7,0,0,0)'), {
  inputShape: [8, 8, 1],
  classes: 10,
  blocksPerStage: 1,
  baseFilters: 4,
  stages: 2,
}).ir;
const job = {
  contract: JOB_CONTRACT,
  runId: 'run-1',
  candidateHash: 'ab'.repeat(16),
  engine: 'torch',
  seed: 1,
  timeLimitSeconds: 60,
  ir,
  task: parseTask({ kind: 'classification', dataset: { name: 'mnist' }, recipe: { epochs: 1 } }),
};
const withNode = (patch: Record<string, unknown>) => ({
  ...job,
  ir: { ...ir, nodes: ir.nodes.map((n, i) => (i === 1 ? { ...n, ...patch } : n)) },
});

describe('the queue contract refuses what is not data it knows', () => {
  const cases: [string, unknown, RegExp][] = [
    ['an unknown op', withNode({ op: 'exec' }), /ir\.nodes\.1\.op/],
    ['a Python-looking op', withNode({ op: '__import__("os").system' }), /ir\.nodes\.1\.op/],
    ['an unknown field on a node', withNode({ code: 'import os' }), /ir\.nodes\.1.*code|Unrecognized key.*code/],
    ['an unknown top-level field', { ...job, script: 'rm -rf /' }, /script/],
    ['an unknown field in the task', { ...job, task: { ...job.task, hook: 'x' } }, /hook/],
    ['a run id with ../', { ...job, runId: '../../etc' }, /runId/],
    ['a run id with a slash', { ...job, runId: 'a/b' }, /runId/],
    ['a hash with ../', { ...job, candidateHash: '../' + 'a'.repeat(16) }, /candidateHash/],
    ['an absolute path as hash', { ...job, candidateHash: '/etc/passwd' }, /candidateHash/],
    ['a node id with a quote', withNode({ id: 'a"b' }), /ids use letters/],
    ['a node id with a newline', withNode({ id: 'a\nimport os' }), /ids use letters/],
    ['a node id with a space', withNode({ id: 'a b' }), /ids use letters/],
    ['an output id with a backslash', { ...job, ir: { ...ir, output: 'a\\b' } }, /ir\.output/],
    [
      'a 20,001-node graph',
      {
        ...job,
        ir: { ...ir, nodes: Array.from({ length: 20_001 }, (_, i) => ({ op: 'relu', id: `r${i}`, inputs: [i ? `r${i - 1}` : INPUT_ID] })) },
      },
      /ir\.nodes/,
    ],
    ['a 129-character node id', withNode({ id: 'x'.repeat(129) }), /ir\.nodes\.1\.id/],
    ['a 2,001-character candidate key', { ...job, candidateKey: 'k'.repeat(2001) }, /candidateKey/],
    ['a string where a number belongs', withNode({ filters: '4; import os' }), /ir\.nodes\.1/],
  ];
  it.each(cases)('%s', (_what, payload, field) => {
    expect(() => parseEvaluateJob(payload)).toThrow(field);
    expect(() => parseEvaluateJob(payload)).toThrow(/^malformed evaluate job: /);
  });

  it('a job whose network is well-formed but absurd (2^40 filters) passes the schema and is refused by the engine before it allocates anything', async () => {
    const conv = ir.nodes.findIndex((n) => n.op === 'conv2d');
    const absurd = parseEvaluateJob({
      ...job,
      ir: { ...ir, nodes: ir.nodes.map((n, i) => (i === conv ? { ...n, filters: 2 ** 40 } : n)) },
    });
    const engine = await tfjsEngineFactory.create();
    const started = process.memoryUsage().rss;
    const outcome = await engine.train({ ir: absurd.ir, task: absurd.task, seed: 1 }, new AbortController().signal, () => {});
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(
      /^INVALID_ARCHITECTURE: .*node "stem\/conv" \(conv2d\): its output \[8, 8, 1099511627776\] has \d+ elements per example, more than 2147483648/,
    );
    expect(process.memoryUsage().rss - started).toBeLessThan(512 * 1024 * 1024);
  });

  it('the ops a job can name are exactly the closed set the engines implement', () => {
    expect([...IR_OPS].sort()).toEqual([
      'add',
      'avgPool',
      'batchNorm',
      'channelScale',
      'channelSlice',
      'concat',
      'conv2d',
      'conv2dTranspose',
      'dense',
      'dpp',
      'dropout',
      'flatten',
      'globalAvgPool',
      'globalMaxPool',
      'instanceNorm',
      'leakyRelu',
      'maxPool',
      'relu',
      'sigmoid',
      'tanh',
      'upsample',
      'zeros',
    ]);
  });
});

/** Python's own view of the generated source: imports, called names, every name read, and the module run once. */
const INSPECT = String.raw`
import ast, json, sys
source = sys.stdin.read()
tree = ast.parse(source)
imports, calls, names = set(), set(), set()
for node in ast.walk(tree):
    if isinstance(node, ast.Import):
        imports.update(a.name for a in node.names)
    elif isinstance(node, ast.ImportFrom):
        imports.add(node.module)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        calls.add(node.func.id)
    elif isinstance(node, ast.Name):
        names.add(node.id)
import torch
scope = {}
exec(compile(source, "network.py", "exec"), scope)
net = scope["Network"]()
out = net(torch.zeros(2, 1, 8, 8))
print(json.dumps({"imports": sorted(imports), "calls": sorted(calls), "names": sorted(names), "out": list(out.shape)}))
`;

describe('the generated PyTorch module holds only what the validated IR says', () => {
  it('hostile but valid ids and a hostile name become identifiers and comment text', () => {
    const hostileIds = [
      '../../etc/passwd',
      'os:system',
      'forward',
      '__init__',
      '1/..',
      'x',
      'self',
      'torch',
      'import',
      'a.b:c/d-e',
      'eval',
      '__import__',
    ];
    const nodes = ir.nodes.map((n) => ({ ...n }));
    const rename = new Map<string, string>();
    nodes.forEach((n, i) => rename.set(n.id, hostileIds[i % hostileIds.length]! + (i >= hostileIds.length ? `-${i}` : '')));
    const renamed = nodes.map((n) => ({
      ...n,
      id: rename.get(n.id)!,
      inputs: n.inputs.map((x) => rename.get(x) ?? x),
      ...(n.shareWeightsWith ? { shareWeightsWith: rename.get(n.shareWeightsWith)! } : {}),
    }));
    const name = '"""\nimport os\nos.system("touch /tmp/blockqnn-pwned")\n"""\' # \\ \u2028';
    const hostile = { ...ir, name, nodes: renamed, output: rename.get(ir.output)! };
    const parsed = parseEvaluateJob({ ...job, ir: hostile });
    const { source } = generateTorchModule(parseIr(parsed.ir));
    expect(source).not.toMatch(/^\s*import os/m);
    expect(source).not.toMatch(/^\s*os\.system\(/m);
    const run = spawnSync(PYTHON, ['-c', INSPECT], { input: source, encoding: 'utf8', timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
      imports: string[];
      calls: string[];
      names: string[];
      out: number[];
    };
    expect(seen.out).toEqual([2, 10]);
    for (const module of seen.imports) expect(module).toMatch(/^torch(\.|$)/);
    for (const forbidden of [
      'os',
      'eval',
      'exec',
      'open',
      '__import__',
      'compile',
      'getattr',
      'setattr',
      'globals',
      'system',
      'subprocess',
    ]) {
      expect(seen.names).not.toContain(forbidden);
      expect(seen.calls).not.toContain(forbidden);
    }
    // Every generated identifier is plain: letters, digits, underscores.
    for (const n of seen.names) expect(n).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
  });
});
