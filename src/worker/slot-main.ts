/** Child-process entry of a worker slot (see slot-process.ts). */
import { registerBuiltinEngines } from '../engines/builtin.js';
import { slotMain } from './slot-process.js';

registerBuiltinEngines();
await slotMain(process.argv);
