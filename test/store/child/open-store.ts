/**
 * Child process for the store tests: opens the store at argv[2], creates a run
 * when argv[3] is "write", and prints {"ok":true} or the error as JSON. Used
 * where a test needs a separate process (concurrent migrations) or another
 * user (a file this process may not write).
 */
import { toBlockqnnError } from '../../../src/common/errors.js';
import { openStore } from '../../../src/store/index.js';

const [url, mode] = process.argv.slice(2);
try {
  const store = await openStore(url);
  if (mode === 'write') {
    await store.createRun({ name: `child ${process.pid}`, strategy: 'random', engine: 'table', taskKey: 'child', seed: 1, config: {} });
  }
  await store.close();
  process.stdout.write(JSON.stringify({ ok: true }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: toBlockqnnError(error).toJSON() }));
}
