/**
 * The setting that names the folder of final-training checkpoints, shared by the
 * store (which owns the folder: beside a SQLite file unless this is set) and by
 * the engines' checkpoint files and the export (which read it).
 */
import { BlockqnnError, ErrorCode } from './errors.js';

/** Environment variable naming the checkpoint folder; required for PostgreSQL stores. */
export const CHECKPOINT_DIR_ENV = 'BLOCKQNN_CHECKPOINT_DIR';

export const noCheckpointDirectory = (): BlockqnnError =>
  new BlockqnnError(ErrorCode.INVALID_CONFIG, 'this PostgreSQL store has no folder for the checkpoints of final trainings', {
    hint: `set ${CHECKPOINT_DIR_ENV} to a folder that every host collecting trainings (blockqnn train, trainings, dashboard, export) reads and writes`,
  });
