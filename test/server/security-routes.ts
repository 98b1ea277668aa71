/** Every route of a dashboard app, found by walking express 5's router (nested routers and their mount paths included). */
import type { DashboardServer } from '../../src/server/index.js';

export interface RouteInfo {
  method: string;
  path: string;
}

type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] }; rawPath?: string };

export function routesOf(server: DashboardServer): RouteInfo[] {
  const out: RouteInfo[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route)
        for (const method of Object.keys(layer.route.methods)) out.push({ method: method.toUpperCase(), path: prefix + layer.route.path });
      else if (layer.handle?.stack)
        walk(layer.handle.stack, prefix + (typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''));
    }
  };
  walk((server.app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return out;
}
