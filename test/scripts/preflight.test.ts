/**
 * #16 item 3: `npm test` checks the system prerequisites first. With one made
 * unavailable (chromium, through BLOCKQNN_CHROMIUM naming no file) it exits
 * non-zero within seconds, naming it, its Debian package and the set-up command,
 * and runs no test; the preflight installs nothing.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');

describe('npm test preflight', () => {
  it('stops npm test at once when chromium is missing, naming it and scripts/setup-system.sh', () => {
    const started = Date.now();
    const r = spawnSync('npm', ['test'], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, BLOCKQNN_CHROMIUM: '/nonexistent/chromium', BLOCKQNN_SKIP_PREFLIGHT: '' },
    });
    const seconds = (Date.now() - started) / 1000;
    expect(r.status, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(
      /preflight: the test suite needs \d+ thing\(s\) this machine lacks:\n[\s\S]*- chromium .*\[Debian package chromium\]/,
    );
    expect(r.stderr).toMatch(/Install the packages with: sudo scripts\/setup-system\.sh {3}\(apt-get install [^)]*chromium/);
    // The suite itself never started: no type check, no vitest.
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/tsc -p|vitest run|RUN {2}v/);
    // Seconds, not the minutes of a suite run (the loose bound leaves room for a loaded machine).
    expect(seconds).toBeLessThan(30);
  });

  it('setup-system.sh lists the packages it installs, the same ones .ci/run relies on', () => {
    const r = spawnSync(resolve(REPO, 'scripts/setup-system.sh'), ['--list'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'dataset-fashion-mnist',
      'redis-server',
      'chromium',
      'python3-torch',
      'python3-numpy',
      'faketime',
      'python3-optuna',
    ]);
  });
});
