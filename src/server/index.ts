/** Public surface of the dashboard server. */
export { createServer, DEFAULT_STATIC_DIR } from './server.js';
export type { DashboardServer, ServerOptions } from './server.js';
export type * from './api-types.js';
