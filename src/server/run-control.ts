/**
 * Start, stop and resume from the dashboard. A run started or resumed here has
 * its controller (runController) in this server process; its candidates are
 * trained by external workers (`blockqnn worker` on any host reaching the same
 * Redis), or by local worker slots when the server was given `localWorkers`.
 * Stopping follows `blockqnn stop`: a live controller anywhere is asked through
 * the store (status 'stopping'); a run with none has its jobs cancelled here.
 */
import { buildSearchConfig, requestedEngine, taskKindOf } from '../cli/search-config.js';
import { registerBuiltinEngines } from '../engines/builtin.js';
import { resolveEngine } from '../engines/resolve.js';
import { type StopOutcome, controllerState, stopRun } from '../orchestrator/controller-state.js';
import { createRun, prepareConfig, runController } from '../orchestrator/session.js';
import { checkDatasetFiles } from '../datasets/index.js';
import { Supervisor } from '../worker/supervisor.js';
import { confineTable } from './data-dir.js';
import { HttpCode, HttpError } from './http-errors.js';
import type { Services } from './services.js';

export interface RunControlOptions {
  controllerId: string;
  log: (line: string) => void;
  /** Local worker slots started beside each controller this server runs (default 0: external workers). */
  localWorkers?: number;
  /** The only folder whose tables a run started here may name (see data-dir.ts). */
  dataDir: string;
}

export class RunControl {
  constructor(
    private readonly services: Services,
    private readonly options: RunControlOptions,
  ) {}

  /** Creates a run from a JSON configuration (the keys of `blockqnn search --config`) and starts its controller here. */
  async start(body: Record<string, unknown>): Promise<string> {
    registerBuiltinEngines();
    const input = await confineTable(body, this.options.dataDir);
    const { engine } = await resolveEngine(requestedEngine({}, input), taskKindOf({}, input));
    // Exactly the semantics of `blockqnn search --config FILE` with the body as the file, defaults included;
    // createRun reads the table and refuses a missing one or missing columns (400) before anything is queued.
    const config = prepareConfig(buildSearchConfig({}, engine, input));
    // The server's local slots read this host's dataset: a missing one is refused before the run exists.
    if ((this.options.localWorkers ?? 0) > 0 && config.task.kind !== 'lookup') await checkDatasetFiles(config.task.dataset);
    const run = await createRun(this.services.store, config);
    this.launch(run.id, engine);
    return run.id;
  }

  /** `blockqnn stop` by the same rule (controller-state.ts); a controller this process drives is told directly. */
  async stop(runId: string): Promise<StopOutcome> {
    const here = this.services.controllers.get(runId);
    if (here) {
      here.stop.abort();
      return 'stopping';
    }
    const { outcome } = await stopRun(this.services.store, runId, {
      by: 'dashboard',
      cancelJobs: (run) => this.services.queue(run.engine).cancelRun(runId),
    });
    return outcome;
  }

  /** Resumes here unless the run finished or its controller is alive; a dead controller's run is taken over at once. */
  async resume(runId: string): Promise<void> {
    const run = await this.services.store.getRun(runId);
    if (this.services.controllers.has(runId)) throw new HttpError(HttpCode.CONFLICT, `run ${runId} is already running in this dashboard`);
    if (run.status === 'finished')
      throw new HttpError(HttpCode.CONFLICT, `run ${runId} has finished; nothing to resume`, 'start a new run');
    if (controllerState(run) === 'alive') {
      throw new HttpError(
        HttpCode.CONFLICT,
        `run ${runId} is ${run.status} under controller ${run.controllerId ?? '?'}, which is alive`,
        run.status === 'stopping' ? 'resume it once it has stopped' : 'stop it first',
      );
    }
    this.launch(runId, run.engine);
  }

  private launch(runId: string, engine: string): void {
    const { log } = this.options;
    const stop = new AbortController();
    let supervisor: Supervisor | undefined;
    const slots = this.options.localWorkers ?? 0;
    if (slots > 0) {
      supervisor = new Supervisor({
        redisUrl: this.services.redisSettings.url,
        prefix: this.services.redisSettings.prefix,
        engine,
        graceMs: 2000,
        log,
        slots: Array.from({ length: slots }, (_, i) => ({ name: `cpu${i}`, gpu: null })),
      });
      supervisor.start();
    }
    const done = runController(runId, {
      store: this.services.store,
      redis: this.services.redisSettings,
      log,
      stopSignal: stop.signal,
      controllerId: this.options.controllerId,
    })
      .then((outcome) => log(`run ${runId}: ${outcome}`))
      .catch((error: unknown) => log(`run ${runId}: controller failed: ${error instanceof Error ? error.message : String(error)}`))
      .finally(async () => {
        this.services.controllers.delete(runId);
        await supervisor?.stop();
      });
    this.services.controllers.set(runId, { stop, done });
  }

  /** Stops every controller this process runs and waits for them (server shutdown). */
  async stopAll(): Promise<void> {
    const running = [...this.services.controllers.values()];
    for (const c of running) c.stop.abort();
    await Promise.all(running.map((c) => c.done));
  }
}
