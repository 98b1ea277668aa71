/**
 * `blockqnn bench <suite>`: benchmarks that print ratios measured side by side
 * in one run. The harnesses live in src/bench; here are only their command
 * lines: flags parsed, the suite run, the report printed.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { formatEnginesBench, runEnginesBench, type EnginesBenchOptions } from '../../bench/engines.js';
import { runOrchestrationBench } from '../../bench/orchestration/index.js';
import { formatOrchestrationBench, type OrchestrationBenchOptions } from '../../bench/orchestration/report.js';
import { SCENARIOS, formatReliabilityBench, runReliabilityBench } from '../../bench/reliability/index.js';
import { formatSearchBench, runSearchBenchOnFile } from '../../bench/search.js';
import { PRUNING_BENCH_DEFAULTS, formatPruningBench, runPruningBench } from '../../bench/pruning/index.js';
import { pruners, strategies } from '../../controller/index.js';
import { BUNDLED_NB201_COLUMNS, BUNDLED_NB201_TABLE } from '../../engines/table/index.js';
import { registerClaim } from './bench-claim.js';
import { redisPrefix } from '../context.js';
import { nonNegativeInt, oneOf, positiveInt, positiveNumber } from './options.js';

/** The NAS-Bench-201 table every bench uses unless given another: the one bundled in data/nasbench201. */
const DEFAULT_TABLE = BUNDLED_NB201_TABLE;
const DEFAULT_REDIS = (): string => process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Progress on stderr, or nothing when the report is JSON. */
const logFor = (json: boolean | undefined) => (json ? () => {} : (line: string) => process.stderr.write(`${line}\n`));

function registerEngines(bench: Command): void {
  bench
    .command('engines')
    .description('images/s of the torch engine vs a plain PyTorch loop on the same generated module, and of the tfjs engine')
    .option('--dataset <name>', 'dataset (mnist needs no set-up)', 'mnist')
    .option('--image-size <n>', 'resize images to n×n (default: native)', positiveInt('--image-size'))
    .option('--images <n>', 'training images', positiveInt('--images'), 1024)
    .option('--block <name>', 'paper block: resnet or inception', oneOf('--block', ['resnet', 'inception'] as const), 'inception')
    .option('--blocks-per-stage <n>', 'blocks per stage', positiveInt('--blocks-per-stage'), 1)
    .option('--base-filters <n>', 'filters of the first stage', positiveInt('--base-filters'), 16)
    .option('--stages <n>', 'stages', positiveInt('--stages'), 2)
    .option('--epochs <n>', 'epochs per run (the first is warm-up when there are several)', positiveInt('--epochs'), 2)
    .option('--batch-size <n>', 'batch size', positiveInt('--batch-size'), 128)
    .option('--rounds <n>', 'rounds of engine and plain loop back to back; medians count', positiveInt('--rounds'), 3)
    .option('--tfjs-images <n>', 'images the tfjs engine trains on, one epoch (0 skips it)', nonNegativeInt('--tfjs-images'), 8)
    .option('--seed <n>', 'seed', nonNegativeInt('--seed'), 1)
    .option('--json', 'print one JSON object')
    .action(async (flags: EnginesBenchOptions & { json?: boolean }) => {
      const report = await runEnginesBench(flags, logFor(flags.json));
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatEnginesBench(report)}\n`);
    });
}

function safeInteger(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a whole number >= 0, got "${value}"`);
    return n;
  };
}

interface SearchBenchFlags {
  table: string;
  fitness: string;
  report: string;
  key?: string;
  space: string;
  budget: number;
  runs: number;
  strategies?: string;
  seed: number;
  workers?: number;
  json?: boolean;
}

function registerSearch(bench: Command): void {
  bench
    .command('search')
    .description('search quality of each strategy on a benchmark table (NAS-Bench-201 protocol), with ratios to random search')
    .option(
      '--table <file>',
      'CSV table (or .csv.gz), one row per architecture; default: the bundled NAS-Bench-201 CIFAR-10 table',
      DEFAULT_TABLE,
    )
    .option('--fitness <column>', 'column the search sees', BUNDLED_NB201_COLUMNS.fitness)
    .option('--report <column>', 'column reported for the picked candidate', BUNDLED_NB201_COLUMNS.report)
    .option('--key <column>', 'key column (default arch_str)')
    .option('--space <name>', 'search space of the keys', 'nasbench201')
    .option('--budget <n>', 'evaluations per run', positiveInt('--budget'), 100)
    .option('--runs <n>', 'runs per strategy', positiveInt('--runs'), 500)
    .option('--strategies <list>', `comma-separated strategies (default: all, ${strategies.list().join(', ')})`)
    .option('--seed <n>', 'base seed', safeInteger('--seed'), 1)
    .option('--workers <n>', 'worker threads (default: up to the number of cores, at most 4)', positiveInt('--workers'))
    .option('--json', 'print one JSON object keyed by strategy')
    .action(async (flags: SearchBenchFlags) => {
      const report = await runSearchBenchOnFile({
        table: flags.table,
        columns: { key: flags.key, fitness: flags.fitness, report: flags.report },
        space: flags.space,
        strategies: flags.strategies
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        budget: flags.budget,
        runs: flags.runs,
        seed: flags.seed,
        workers: flags.workers,
      });
      process.stdout.write(flags.json ? `${JSON.stringify(report.strategies, null, 2)}\n` : `${formatSearchBench(report)}\n`);
    });
}

/** What commander hands the action: the bench's options as flags, Redis as a URL flag, plus --json. */
type OrchestrationFlags = Omit<OrchestrationBenchOptions, 'redisUrl' | 'memory' | 'log'> & {
  redis?: string;
  memory?: boolean;
  json?: boolean;
};

function registerOrchestration(bench: Command): void {
  bench
    .command('orchestration')
    .description(
      'candidates per second through controller + queue + store (table engine) beside raw BullMQ jobs per second; 64-worker scaling; --memory for RSS',
    )
    .option('--redis <url>', 'Redis URL (default: REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--prefix <prefix>', 'key prefix in Redis, deleted afterwards (default: bench-orch-RANDOM)', redisPrefix)
    .option('--db <url>', 'database (default: a fresh SQLite file, removed afterwards)')
    .option('--table <file>', 'NAS-Bench-201 CSV', DEFAULT_TABLE)
    .option('--fitness <column>', 'fitness column', 'c10valid_val_12ep')
    .option('--candidates <n>', 'candidates of the end-to-end run', positiveInt('--candidates'), 10_000)
    .option('--raw-jobs <n>', 'jobs of the raw BullMQ run', positiveInt('--raw-jobs'), 20_000)
    .option('--workers <n>', 'in-process workers (end to end and raw)', positiveInt('--workers'), 4)
    .option('--concurrency <n>', 'concurrency of each in-process worker', positiveInt('--concurrency'), 16)
    .option(
      '--max-in-flight <n>',
      'candidates queued at once (end to end): one controller feeding thousands of GPUs keeps thousands in flight',
      positiveInt('--max-in-flight'),
      2048,
    )
    .option('--strategy <name>', 'search strategy of the end-to-end run', 'random')
    .option('--scaling-seconds <s>', 'approximate length of the 64-worker run', positiveInt('--scaling-seconds'), 10)
    .option('--memory', 'also measure controller RSS after --memory-candidates and a worker slot RSS across --worker-jobs')
    .option('--memory-candidates <n>', 'candidates for the controller memory figure', positiveInt('--memory-candidates'), 100_000)
    .option('--worker-jobs <n>', 'jobs for the worker memory figure', positiveInt('--worker-jobs'), 1000)
    .option('--json', 'print the report as JSON')
    .action(async (flags: OrchestrationFlags) => {
      const { redis, memory, json, ...options } = flags;
      const report = await runOrchestrationBench({
        ...options,
        redisUrl: redis ?? DEFAULT_REDIS(),
        memory: Boolean(memory),
        log: logFor(json),
      });
      process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatOrchestrationBench(report)}\n`);
    });
}

interface ReliabilityFlags {
  json?: boolean;
  scenarios?: string;
  runs: number;
  quick?: boolean;
  load: boolean;
  redis?: string;
  table: string;
  redisDownSeconds?: number;
  loadCandidates?: number;
}

function registerReliability(bench: Command): void {
  bench
    .command('reliability')
    .description('fault scenarios on real processes (results lost, duplicated, retrained, time to recover) and the load figure')
    .option('--scenarios <list>', `comma-separated subset: ${Object.keys(SCENARIOS).join(', ')} (default all; none: only the load)`)
    .option('--runs <N>', 'runs of each scenario', positiveInt('--runs'), 1)
    .option('--quick', "small budgets, a 15 s Redis outage and a 500-candidate load (the tests' scale)")
    .option('--no-load', 'skip the load figure')
    .option('--load-candidates <N>', 'candidates of the load run (default 10,000; --quick 500)', positiveInt('--load-candidates'))
    .option(
      '--redis-down-seconds <S>',
      'how long redis-down keeps Redis unreachable (default 60; --quick 15)',
      positiveInt('--redis-down-seconds'),
    )
    .option('--redis <url>', 'Redis for the scenarios without a private one (default: REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--table <file>', 'NAS-Bench-201 CSV', DEFAULT_TABLE)
    .option('--json', 'print the report as JSON')
    .action(async (flags: ReliabilityFlags) => {
      const report = await runReliabilityBench({
        scenarios:
          flags.scenarios === 'none'
            ? []
            : flags.scenarios
                ?.split(',')
                .map((s) => s.trim())
                .filter(Boolean),
        runs: flags.runs,
        loadCandidates: flags.load ? (flags.loadCandidates ?? (flags.quick ? 500 : 10_000)) : 0,
        table: flags.table,
        redisUrl: flags.redis ?? DEFAULT_REDIS(),
        quick: Boolean(flags.quick),
        redisDownSeconds: flags.redisDownSeconds ?? (flags.quick ? 15 : 60),
        log: logFor(flags.json),
      });
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatReliabilityBench(report));
    });
}

interface PruningFlags {
  pruners: string;
  seeds: number;
  candidates: number;
  epochs: number;
  dataset: string;
  subset: number;
  validationSize: number;
  imageSize: number;
  batchSize: number;
  learningRate: number;
  blocks: number;
  baseFilters: number;
  stages: number;
  maxIndex: number;
  strategy: string;
  seed: number;
  redis?: string;
  prefix?: string;
  json?: boolean;
}

function registerPruning(bench: Command): void {
  const d = PRUNING_BENCH_DEFAULTS;
  bench
    .command('pruning')
    .description(
      'the same strategy, seeds and proposals trained (torch engine) under each pruner: epochs, wall seconds, best validation accuracy and their ratios to none',
    )
    .option('--pruners <list>', `comma-separated pruners (${pruners.list().join(', ')})`, d.pruners.join(','))
    .option('--seeds <n>', 'seeds (each its own proposals)', positiveInt('--seeds'), d.seeds)
    .option('--candidates <n>', 'candidates per seed', positiveInt('--candidates'), d.candidates)
    .option('--epochs <n>', 'epochs of the recipe', positiveInt('--epochs'), d.epochs)
    .option('--dataset <name>', 'dataset', d.dataset)
    .option('--subset <n>', 'training images', positiveInt('--subset'), d.subset)
    .option('--validation-size <n>', 'validation images', positiveInt('--validation-size'), d.validationSize)
    .option('--image-size <s>', 'resize images to SxS', positiveInt('--image-size'), d.imageSize)
    .option('--batch-size <n>', 'batch size', positiveInt('--batch-size'), d.batchSize)
    .option('--learning-rate <r>', 'learning rate', positiveNumber('--learning-rate'), d.learningRate)
    .option('--blocks <n>', 'blocks per stage', positiveInt('--blocks'), d.blocksPerStage)
    .option('--base-filters <n>', 'filters of the first stage', positiveInt('--base-filters'), d.baseFilters)
    .option('--stages <n>', 'stages', positiveInt('--stages'), d.stages)
    .option('--max-index <n>', 'NSC: maximum layer index', positiveInt('--max-index'), d.maxIndex)
    .option('--strategy <name>', 'the strategy that proposes the candidates', d.strategy)
    .option('--seed <n>', 'first seed', nonNegativeInt('--seed'), d.seed)
    .option('--redis <url>', 'Redis of the pruning boards (default: REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--prefix <prefix>', 'key prefix in Redis, deleted afterwards (default: bench-pruning-PID)', redisPrefix)
    .option('--json', 'print the report as JSON')
    .action(async (flags: PruningFlags) => {
      const report = await runPruningBench({
        redis: { url: flags.redis ?? DEFAULT_REDIS(), prefix: flags.prefix ?? `bench-pruning-${process.pid}` },
        pruners: flags.pruners
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
        seeds: flags.seeds,
        candidates: flags.candidates,
        epochs: flags.epochs,
        dataset: flags.dataset,
        subset: flags.subset,
        validationSize: flags.validationSize,
        imageSize: flags.imageSize,
        batchSize: flags.batchSize,
        learningRate: flags.learningRate,
        blocksPerStage: flags.blocks,
        baseFilters: flags.baseFilters,
        stages: flags.stages,
        maxIndex: flags.maxIndex,
        strategy: flags.strategy,
        seed: flags.seed,
        // Minutes of training: progress goes to stderr even with --json (stdout holds only the report).
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatPruningBench(report)}\n`);
    });
}

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('run a benchmark suite (see subcommands)');
  registerSearch(bench);
  registerEngines(bench);
  registerOrchestration(bench);
  registerReliability(bench);
  registerClaim(bench);
  registerPruning(bench);
}
