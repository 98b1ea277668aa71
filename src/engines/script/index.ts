/** Public surface of the script engine: the engine, its trainer file checks and the trial protocol. */
export { ScriptEngine, scriptEngineFactory } from './engine.js';
export type { ScriptEngineOptions } from './engine.js';
export { TRAINER_ENV, readTrainerFile, checkTrainerCompiles } from './trainer-file.js';
export type { TrainerFile } from './trainer-file.js';
export { TRIAL_PROTOCOL, parseTrialLine } from './protocol.js';
export type { TrialJobFile, TrialMessage, Answer } from './protocol.js';
export { TRIAL_HELPER_DIR } from './paths.js';
export { prepareTrainer, prepareRunTrainer, checkScriptRun } from './prepare.js';
