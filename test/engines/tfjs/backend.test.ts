/**
 * Backend loading: the fastest build that loads wins, each skipped build says why
 * (absent, or present with its native binary missing), the choice is logged once,
 * and nothing loadable is a clear ENGINE_UNAVAILABLE error.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../../src/common/errors.js';
import { type Importer, TFJS_PACKAGES, loadFirst, loadTfjs } from '../../../src/engines/tfjs/index.js';

const installed = (pkg: string): boolean => {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
};

/**
 * Real modules in a directory without node_modules: one fails exactly as tfjs-node
 * does when its native binding was never downloaded, and bare package imports
 * from there find nothing.
 */
function sandbox(): { brokenNative: string; importFromSandbox: Importer } {
  const dir = mkdtempSync(join(tmpdir(), 'blockqnn-tfjs-'));
  writeFileSync(
    join(dir, 'broken-native.mjs'),
    "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nrequire('./lib/napi-v8/tfjs_binding.node');\n",
  );
  writeFileSync(join(dir, 'importer.mjs'), 'export default (specifier) => import(specifier);\n');
  const url = (name: string) => pathToFileURL(join(dir, name)).href;
  return {
    brokenNative: url('broken-native.mjs'),
    importFromSandbox: async (specifier) => ((await import(url('importer.mjs'))) as { default: Importer }).default(specifier),
  };
}

describe('loadTfjs', () => {
  it('uses the fastest build installed here, says why the faster ones were skipped, and logs once', async () => {
    const lines: string[] = [];
    const first = await loadTfjs({ logger: (line) => lines.push(line) });
    const again = await loadTfjs({ logger: (line) => lines.push(line) });
    expect(again).toBe(first);
    expect(lines).toEqual([first.summary]);
    const used = first.attempts.at(-1)!;
    expect(used).toEqual({ package: first.package, loaded: true });
    expect(TFJS_PACKAGES.slice(0, TFJS_PACKAGES.indexOf(first.package))).toEqual(first.attempts.slice(0, -1).map((a) => a.package));
    for (const skipped of first.attempts.slice(0, -1)) {
      expect(skipped.loaded).toBe(false);
      expect(first.summary).toContain(`${skipped.package}: ${skipped.reason}`);
      if (!installed(skipped.package)) expect(skipped.reason).toBe('not installed');
    }
    if (first.package === '@tensorflow/tfjs') expect(first.backend).toBe('cpu');
    else expect(first.backend).toBe('tensorflow');
    expect(typeof first.tf.layers.conv2d).toBe('function');
  });

  it('rejects an empty package list', () => {
    expect(() => loadTfjs({ packages: [] })).toThrow(/package list is empty/);
  });
});

describe('loadFirst', () => {
  it('skips a package that is absent and one whose native binary is missing, then falls back to pure JS', async () => {
    const { brokenNative, importFromSandbox } = sandbox();
    const importer: Importer = (specifier) => {
      if (specifier === '@tensorflow/tfjs-node-gpu') return importFromSandbox(specifier);
      if (specifier === '@tensorflow/tfjs-node') return import(brokenNative);
      return import(specifier);
    };
    const loaded = await loadFirst(TFJS_PACKAGES, importer);
    expect(loaded.package).toBe('@tensorflow/tfjs');
    expect(loaded.attempts[0]).toEqual({ package: '@tensorflow/tfjs-node-gpu', loaded: false, reason: 'not installed' });
    expect(loaded.attempts[1]!.loaded).toBe(false);
    expect(loaded.attempts[1]!.reason).toMatch(/^installed but failed to load: Cannot find module .*tfjs_binding\.node/);
    expect(loaded.summary).toMatch(
      /^tfjs: using @tensorflow\/tfjs \(backend "cpu"\); @tensorflow\/tfjs-node-gpu: not installed; @tensorflow\/tfjs-node: installed but failed/,
    );
  });

  it('fails with ENGINE_UNAVAILABLE, every reason and the install command when nothing loads', async () => {
    const { importFromSandbox } = sandbox();
    const error = await loadFirst(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'], importFromSandbox).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockqnnError);
    const e = error as BlockqnnError;
    expect(e.code).toBe('ENGINE_UNAVAILABLE');
    expect(e.message).toContain('@tensorflow/tfjs-node-gpu: not installed; @tensorflow/tfjs-node: not installed');
    expect(e.hint).toContain('npm install @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node');
  });

  it('rejects a module that does not export the tfjs API', async () => {
    const error = await loadFirst(['@tensorflow/tfjs-node'], () => import('node:path')).catch((e: unknown) => e);
    expect((error as BlockqnnError).message).toContain(
      '@tensorflow/tfjs-node: installed but failed to load: @tensorflow/tfjs-node does not export the tfjs API',
    );
  });
});
