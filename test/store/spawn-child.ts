/** Runs test/store/child/open-store.ts in a separate Node process (optionally as another user). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./child/open-store.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildOutcome {
  ok: boolean;
  error?: { code: string; message: string; hint?: string };
}

export function openInChild(url: string, mode: 'open' | 'write', as?: { uid: number; gid: number }): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url, mode], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(as ?? {}),
      // tsx caches compiled files under the temporary directory; another user needs its own.
      env: { ...process.env, ...(as ? { TMPDIR: '/tmp', HOME: '/tmp' } : {}) },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out) as ChildOutcome);
      } catch {
        reject(new Error(`child exited with ${code} and no result:\n${out}\n${err}`));
      }
    });
  });
}
