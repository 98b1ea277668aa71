/** Public surface of the torch engine: the IR → PyTorch generator, the engine, its Python discovery and protocol. */
export { generateTorchModule, GENERATED_CLASS_NAME } from './codegen.js';
export type { GeneratedModule } from './codegen.js';
export { pythonIdentifier } from './python-names.js';
export { TorchEngine, torchEngineFactory } from './engine.js';
export type { TorchEngineOptions } from './engine.js';
export { findTorchPython, pythonCandidates, describeTorchPython, describeAttempts, TORCH_INSTALL_HINT, BLOCKQNN_PYTHON } from './python.js';
export type { TorchPython, TorchPythonSearch, PythonAttempt } from './python.js';
export { TrainerProcess } from './trainer-process.js';
export { PROTOCOL_VERSION, parseResponse, encodeRequest } from './protocol.js';
export type { TrainMessage, ReadyMessage, ProgressMessage, ResultMessage, ErrorMessage } from './protocol.js';
export { TRAINER_SCRIPT, PLAIN_LOOP_SCRIPT } from './paths.js';
export { runPlainLoop, steadyImagesPerSecond } from './plain-loop.js';
export type { PlainLoopOptions, PlainLoopResult } from './plain-loop.js';
export { trainGenerativeTorch, GENERATIVE_SCRIPT } from './generative.js';
export type { TorchGenerativeOptions } from './generative.js';
export { roleIo, checkRoleInputs } from './generative-roles.js';
export type { RoleIo } from './generative-roles.js';
