/**
 * Loads the fastest TensorFlow.js build that works on this machine:
 * `@tensorflow/tfjs-node-gpu` (libtensorflow with CUDA), else
 * `@tensorflow/tfjs-node` (libtensorflow on the CPU), else `@tensorflow/tfjs`
 * (the pure-JS CPU backend, ~600× slower than PyTorch here but always present).
 *
 * The native builds are optional dependencies: they download libtensorflow at
 * install time, which fails offline, and a package can be present while its
 * native binary (or CUDA) is missing. So each is imported dynamically and any
 * failure moves on to the next, remembering why.
 *
 * Everything tfjs-related in the engine must use the namespace returned here, not a
 * static `import '@tensorflow/tfjs'`: a native build may carry its own copy of tfjs,
 * and layers or tensors from two copies do not mix.
 */
import { BlockqnnError, ErrorCode } from '../../common/errors.js';
import { registerFastFilterGradient } from './cpu-filter-gradient.js';
import type { Tfjs } from './tfjs-types.js';

export type { Tfjs } from './tfjs-types.js';

export const TFJS_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs'] as const;
export type TfjsPackage = (typeof TFJS_PACKAGES)[number];

export interface TfjsAttempt {
  readonly package: TfjsPackage;
  readonly loaded: boolean;
  /** Why a package was not used: "not installed" or the load error's first line. */
  readonly reason?: string;
}

export interface LoadedTfjs {
  readonly tf: Tfjs;
  /** The package whose namespace is in use. */
  readonly package: TfjsPackage;
  /** tfjs backend name: "tensorflow" for the native builds, "cpu" for pure JS. */
  readonly backend: string;
  /** Every package tried, in order, up to and including the one used. */
  readonly attempts: readonly TfjsAttempt[];
  /** One line saying what is used and why the faster ones are not, as logged. */
  readonly summary: string;
}

/** Imports a package by name; replaceable so the fallback logic can be exercised with real failing modules. */
export type Importer = (specifier: string) => Promise<unknown>;

export interface LoadTfjsOptions {
  /** Receives the one summary line; default: stderr. */
  logger?: (line: string) => void;
  /** Packages to try, fastest first; default TFJS_PACKAGES. Restrict it to demand a specific build. */
  packages?: readonly TfjsPackage[];
}

// A variable specifier keeps TypeScript from resolving packages that may be absent.
const defaultImporter: Importer = (specifier) => import(specifier);

function describeFailure(pkg: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  // Only a missing package itself counts as "not installed"; a missing file inside
  // it (the native binding, a CUDA library) means installed but broken.
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(`'${pkg}'`)) return 'not installed';
  return `installed but failed to load: ${message.split('\n')[0]}`;
}

function installHint(packages: readonly TfjsPackage[]): string {
  return `install one of them (npm install ${packages.join(' or ')}); @tensorflow/tfjs always works without native code`;
}

/** Tries `packages` in order with `importer`; the first that loads and initialises wins. */
export async function loadFirst(packages: readonly TfjsPackage[], importer: Importer): Promise<LoadedTfjs> {
  const attempts: TfjsAttempt[] = [];
  for (const pkg of packages) {
    try {
      const mod = (await importer(pkg)) as { default?: Tfjs } & Partial<Tfjs>;
      // CommonJS packages arrive as { default: module.exports } under ESM.
      const tf = (typeof mod.layers === 'object' ? mod : mod.default) as Tfjs | undefined;
      if (!tf || typeof tf.layers !== 'object') throw new Error(`${pkg} does not export the tfjs API`);
      if (pkg === '@tensorflow/tfjs') {
        // tfjs prints its own "install the node backend" banner on first use; the
        // summary below says the same once, so silence it.
        tf.env().set('PROD', true);
        await tf.setBackend('cpu');
      }
      await tf.ready();
      // The pure-JS backend's convolution filter gradient dominates every training step (~7× a step).
      if (tf.getBackend() === 'cpu') registerFastFilterGradient(tf);
      attempts.push({ package: pkg, loaded: true });
      const skipped = attempts.filter((a) => !a.loaded).map((a) => `${a.package}: ${a.reason}`);
      const backend = tf.getBackend();
      const summary = `tfjs: using ${pkg} (backend "${backend}")${skipped.length ? `; ${skipped.join('; ')}` : ''}`;
      return { tf, package: pkg, backend, attempts, summary };
    } catch (error) {
      attempts.push({ package: pkg, loaded: false, reason: describeFailure(pkg, error) });
    }
  }
  throw new BlockqnnError(
    ErrorCode.ENGINE_UNAVAILABLE,
    `no TensorFlow.js build could be loaded: ${attempts.map((a) => `${a.package}: ${a.reason}`).join('; ')}`,
    { hint: installHint(packages), details: { attempts } },
  );
}

const loaded = new Map<string, Promise<LoadedTfjs>>();

/**
 * Loads tfjs once per package list and logs which build is used, once.
 *
 * @example
 * const { tf, package: used } = await loadTfjs();
 * const model = compileIr(tf, checked).model;
 */
export function loadTfjs(options: LoadTfjsOptions = {}): Promise<LoadedTfjs> {
  const packages = options.packages ?? TFJS_PACKAGES;
  if (packages.length === 0) {
    throw new BlockqnnError(ErrorCode.INVALID_CONFIG, 'loadTfjs: the package list is empty', {
      hint: `name at least one of ${TFJS_PACKAGES.join(', ')}`,
    });
  }
  const key = packages.join(',');
  let pending = loaded.get(key);
  if (!pending) {
    const log = options.logger ?? ((line: string) => process.stderr.write(`${line}\n`));
    pending = loadFirst(packages, defaultImporter).then((result) => {
      log(result.summary);
      return result;
    });
    // A failed load is not cached, so installing a package and retrying works without a restart.
    pending.catch(() => loaded.delete(key));
    loaded.set(key, pending);
  }
  return pending;
}
