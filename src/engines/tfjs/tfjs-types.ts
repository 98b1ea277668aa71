/**
 * The tfjs namespace type, apart from the loader (backend.ts) so that the
 * pieces the loader installs (the CPU filter gradient) can name it without
 * importing the loader back.
 */

/** The tfjs namespace; the native builds re-export exactly this API. */
export type Tfjs = typeof import('@tensorflow/tfjs');
