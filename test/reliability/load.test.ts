/**
 * The load figure at small scale, for correctness only (speed is the bench's):
 * 300 candidates on 16 simulated workers under a real controller while a real
 * dashboard answers concurrent clients. Every candidate recorded once, no 5xx,
 * no connection errors.
 */
import { describe, expect, it } from 'vitest';
import { Lab, runLoad } from '../../src/bench/reliability/index.js';
import { quick } from './options.js';

describe('load', () => {
  it('a 300-candidate run on 16 simulated workers while 4 clients hit the dashboard: every candidate once, no server error', async () => {
    const lab = new Lab();
    try {
      const r = await runLoad(lab, quick, { candidates: 300, workers: 16, delayMs: 20, connections: 4, maxSeconds: 60, steadySeconds: 2 });
      expect({ candidates: r.candidates, lost: r.lost, duplicated: r.duplicated }).toEqual({ candidates: 300, lost: 0, duplicated: 0 });
      expect(r.http.requests).toBeGreaterThan(0);
      expect(r.http.serverErrors).toBe(0);
      expect(r.http.errors).toBe(0);
      expect(Object.keys(r.http.statusCodes)).toEqual(['200']);
      expect(r.memory.controller.samples.length).toBeGreaterThan(0);
      expect(r.memory.dashboard.samples.length + r.memory.dashboardSteady.samples.length).toBeGreaterThan(0);
    } finally {
      await lab.close();
    }
  }, 120_000);
});
