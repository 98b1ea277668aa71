/**
 * What an exporter receives: one architecture with everything known about it,
 * read from the store (or assembled by a test) before any file is written.
 */
import type { Checkpoint } from '../engines/checkpoint.js';
import type { CheckedIr, NetworkLayout } from '../search-space/index.js';

export interface ExportRun {
  readonly id: string;
  readonly name: string;
  readonly seed: number;
  readonly engine: string;
  readonly strategy: string;
  readonly taskKey: string;
  /** The run's configuration as stored (space, network, task with recipe, ...). */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface ExportCandidate {
  readonly id: number;
  readonly hash: string;
  readonly sequence: number;
  /** The architecture's code: an NSC block or a NAS-Bench-201 arch string. */
  readonly nsc: string;
  readonly status: string;
  readonly accuracy: number | null;
  readonly reward: number | null;
  readonly flops: number;
  readonly params: number;
  readonly density: number;
  readonly metrics: Readonly<Record<string, number>> | null;
  readonly baseline: string | null;
}

/** A final training the weights come from; its IR is the exported network (the found block at final widths). */
export interface ExportTraining {
  readonly id: number;
  readonly engine: string;
  readonly seed: number;
  readonly accuracy: number | null;
  readonly config: Readonly<Record<string, unknown>>;
}

export interface ExportSubject {
  readonly run: ExportRun;
  readonly candidate: ExportCandidate;
  /** The network exported: the candidate's IR, or the training's when weights come from one. */
  readonly checked: CheckedIr;
  readonly training: ExportTraining | null;
  /** The layout the block was stacked into when it is not the search's network (export --layout). */
  readonly layout?: NetworkLayout;
  /** Trained weights (PyTorch state_dict names), already checked against `checked.ir`. */
  readonly weights: { readonly checkpoint: Checkpoint; readonly source: string } | null;
}
