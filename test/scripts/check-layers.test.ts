/**
 * scripts/check-layers.js against planted trees: each kind of violation it
 * exists for is reported (a module importing one it may not, a package outside
 * its module, an import cycle of two and of three files, type-only imports
 * included, an unlisted module, code imported into dashboard/), what only looks
 * like an import is not, a clean tree passes, and so does this checkout.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const SCRIPT = resolve(import.meta.dirname, '../../scripts/check-layers.js');
const trees: string[] = [];
afterAll(() => {
  for (const t of trees) rmSync(t, { recursive: true, force: true });
});

function plant(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'blockqnn-layers-'));
  trees.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

async function check(root?: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, ...(root ? [root] : [])]);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

const clean = {
  'src/common/errors.ts':
    '// a comment that says: import { Queue } from \'bullmq\'\nexport const url = "redis://x"; export const text = "from \'express\'";\n',
  'src/search-space/ir.ts': "import { url } from '../common/errors.js';\nexport const ir = url;\n",
  'src/queue/queue.ts': "import { Queue } from 'bullmq';\nimport type { ir } from '../search-space/ir.js';\nexport { Queue };\n",
  'src/store/db.ts': "import { PrismaClient } from '@prisma/client';\nexport const db = PrismaClient;\n",
  'src/server/app.ts':
    "import express from 'express';\nimport helmet from 'helmet';\nimport { db } from '../store/db.js';\nexport const app = [express, helmet, db];\n",
  'dashboard/src/view.ts': "import type { ir } from '../../src/search-space/ir.js';\nexport type View = typeof ir;\n",
};

describe('scripts/check-layers.js', () => {
  it('passes a clean tree (what only looks like an import in comments and strings included)', async () => {
    expect(await check(plant(clean))).toEqual({ code: 0, output: 'layer check: ok\n' });
  });

  it('reports every planted violation by file', async () => {
    const root = plant({
      ...clean,
      'src/search-space/bad.ts': "import { db } from '../store/db.js';\nexport const bad = db;\n",
      'src/engines/packages.ts':
        "import { Queue } from 'bullmq';\nimport express from 'express';\nimport { PrismaClient } from '@prisma/client';\nexport const all = [Queue, express, PrismaClient];\n",
      'src/engines/one.ts': "import type { Two } from './two.js';\nexport interface One { two?: Two }\n",
      'src/engines/two.ts': "import type { One } from './one.js';\nexport interface Two { one?: One }\n",
      'src/worker/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/worker/b.ts': "import { c } from './c.js';\nexport const b = () => c;\n",
      'src/worker/c.ts': "export const c = async () => (await import('./a.js')).a;\n",
      'src/gadgets/g.ts': 'export const g = 1;\n',
      'dashboard/src/code.ts': "import { ir } from '../../src/search-space/ir.js';\nexport const code = ir;\n",
    });
    const { code, output } = await check(root);
    expect(code).toBe(1);
    const lines = output
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    expect(lines[0]).toBe('layer check failed:');
    expect(lines.slice(1).sort()).toEqual([
      'dashboard/src/code.ts imports ../../src/search-space/ir.js: dashboard/ may import only types from src/ (use "import type")',
      'import cycle: src/engines/one.ts → src/engines/two.ts → src/engines/one.ts',
      "import cycle: src/worker/a.ts → src/worker/b.ts → src/worker/c.ts → src/worker/a.ts (3 files in the cycle's component)",
      'src/engines/packages.ts imports @prisma/client: that package belongs to src/store; go through its port there',
      'src/engines/packages.ts imports bullmq: that package belongs to src/queue and src/bench; go through its port there',
      'src/engines/packages.ts imports express: that package belongs to src/server; go through its port there',
      'src/gadgets/g.ts: top-level module "gadgets" is not listed in scripts/check-layers.js',
      'src/search-space/bad.ts imports ../store/db.js: "search-space" may not depend on "store"',
    ]);
  });

  it('passes this checkout', async () => {
    expect(await check()).toEqual({ code: 0, output: 'layer check: ok\n' });
  });
});
