/**
 * The pruners against Optuna itself (Debian's python3-optuna): seeded random
 * scenarios — completed candidates, unfinished ones, a candidate's curve, ties
 * and NaNs drawn on purpose — are decided by our pure pruners and by Optuna's
 * MedianPruner and SuccessiveHalvingPruner (optuna_reference.py), and every
 * decision must agree. Epochs map to Optuna's steps as the pruners document:
 * median step = epoch − 1, ASHA step = epochs trained.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/datasets/prng.js';
import { type EpochView, createPruner, normalizePrunerSpec } from '../../../src/controller/pruners/index.js';

const REFERENCE = fileURLToPath(new URL('./optuna_reference.py', import.meta.url));

interface Scenario {
  pruner: 'median' | 'asha';
  options: Record<string, number>;
  epochs: number;
  completed: (number | null)[][];
  others: (number | null)[][];
  curve: (number | null)[];
}

async function optunaDecisions(scenarios: Scenario[]): Promise<string[]> {
  const tried: string[] = [];
  for (const python of [process.env.BLOCKQNN_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    try {
      const out = await new Promise<string>((resolve, reject) => {
        const child = execFile(python, ['-B', REFERENCE], { maxBuffer: 64 << 20, timeout: 120_000 }, (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
        );
        child.stdin!.end(JSON.stringify({ scenarios }));
      });
      return (JSON.parse(out) as { decisions: string[] }).decisions;
    } catch (error) {
      tried.push(`${python}: ${(error as Error).message.split('\n').slice(-2).join(' ')}`);
    }
  }
  throw new Error(`no Python with optuna (apt-get install python3-optuna): ${tried.join('; ')}`);
}

const nan = (v: number | null) => (v === null ? Number.NaN : v);

/** Our decision: the pruner at every epoch of the candidate's curve where it decides, as a worker runs it; the first prune stops. */
function ourDecision(s: Scenario): string {
  const pruner = createPruner({ name: s.pruner, options: s.options }, s.epochs);
  const curve = s.curve.map(nan);
  for (let epoch = 1; epoch <= curve.length; epoch++) {
    const needs = pruner.needs(epoch);
    if (!needs) continue;
    const own = curve[epoch - 1]!;
    const reached = [...s.completed, ...s.others].filter((c) => c.length >= epoch).map((c) => nan(c[epoch - 1]!));
    const view: EpochView = {
      epoch,
      completedCount: s.completed.length,
      reported: needs.reported ? [...reached.filter((v) => !Number.isNaN(v)), ...(Number.isNaN(own) ? [] : [own])] : [],
      completed: needs.completed ? s.completed.map((c) => nan(c[epoch - 1]!)) : [],
    };
    if (pruner.decide(curve.slice(0, epoch), view) === 'prune') return 'prune';
  }
  return 'continue';
}

function scenarios(pruner: 'median' | 'asha', count: number, seed: number): Scenario[] {
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor((next() / 4294967296) * n);
  // A coarse grid makes ties common; a few NaNs exercise the NaN rules.
  const value = () => (int(12) === 0 ? null : int(10) / 10);
  const curve = (length: number) => Array.from({ length }, value);
  return Array.from({ length: count }, () => {
    const epochs = 2 + int(11);
    const options: Record<string, number> =
      pruner === 'median'
        ? { startupCandidates: int(4), warmupEpochs: int(epochs - 1), interval: 1 + int(3), minCandidates: 1 + int(4) }
        : { reductionFactor: 2 + int(3), minResource: 1 + int(2), minEarlyStoppingRate: int(2), bootstrapCount: int(3) === 0 ? int(4) : 0 };
    // Options that cannot work in this recipe (refused by the registry) fall back to the earliest decisions.
    const fallback: Record<string, number> = pruner === 'median' ? { warmupEpochs: 0 } : { minResource: 1, minEarlyStoppingRate: 0 };
    let normalized: Record<string, number>;
    try {
      normalized = normalizePrunerSpec({ name: pruner, options }, epochs).options;
    } catch {
      normalized = normalizePrunerSpec({ name: pruner, options: { ...options, ...fallback } }, epochs).options;
    }
    return {
      pruner,
      options: normalized,
      epochs,
      completed: Array.from({ length: int(9) }, () => curve(epochs)),
      others: Array.from({ length: int(9) }, () => curve(1 + int(epochs - 1))),
      curve: curve(1 + int(epochs - 1)),
    };
  });
}

describe('pruners agree with Optuna', () => {
  for (const [pruner, seed] of [
    ['median', 17],
    ['asha', 29],
  ] as const) {
    it(`${pruner}: 400 seeded scenarios decide as Optuna ${pruner === 'median' ? 'MedianPruner' : 'SuccessiveHalvingPruner'}`, async () => {
      const cases = scenarios(pruner, 400, seed);
      const theirs = await optunaDecisions(cases);
      const ours = cases.map(ourDecision);
      const disagreements = cases.map((c, i) => ({ c, ours: ours[i], theirs: theirs[i] })).filter((d) => d.ours !== d.theirs);
      expect(disagreements.slice(0, 3).map((d) => JSON.stringify(d))).toEqual([]);
      // The scenarios are not all one answer: both decisions occur often.
      expect(ours.filter((d) => d === 'prune').length).toBeGreaterThan(40);
      expect(ours.filter((d) => d === 'continue').length).toBeGreaterThan(40);
    }, 120_000);
  }
});
