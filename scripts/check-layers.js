#!/usr/bin/env node
// Keeps the architecture of src/ as README "Layout" describes it. Three checks:
// 1. modules: a top-level module may import only itself and the modules listed for it;
// 2. packages: some packages belong to one module (BullMQ to the queue, Prisma to the store,
//    express to the server), so a second module cannot grow a second way of doing the same;
// 3. cycles: no import cycle between files of src/ (type-only imports included: a cycle of
//    types still ties two files together and usually means a shared item wants its own file).
// And dashboard/ may take only types from src/.
//
// Usage: node scripts/check-layers.js [ROOT]   (ROOT: a checkout, default this one; tests point it at a planted tree)
// Imports are read with TypeScript's own pre-processor, so comments and strings are never taken for imports.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ts = createRequire(import.meta.url)('typescript');

const checkout = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const root = join(checkout, 'src');

/** Which modules each top-level module of src/ may import ('*': any; it wires the others). */
const allowed = {
  common: [],
  'search-space': ['common'],
  task: ['common', 'datasets', 'search-space'],
  controller: ['common', 'search-space'],
  datasets: ['common'],
  engines: ['common', 'search-space', 'task', 'datasets'],
  queue: ['common', 'search-space', 'task', 'datasets', 'controller'],
  store: ['common', 'search-space'],
  worker: ['common', 'search-space', 'task', 'engines', 'datasets', 'queue', 'controller'],
  export: ['common', 'search-space', 'task', 'engines', 'datasets'],
  orchestrator: ['common', 'search-space', 'task', 'controller', 'queue', 'store', 'engines', 'datasets'],
  bench: ['common', 'search-space', 'task', 'controller', 'datasets', 'engines', 'queue', 'store', 'worker', 'orchestrator'],
  server: '*',
  cli: '*',
};

/** Packages that belong to some modules only (a package name, or a scope ending in '/'). */
const packageHomes = [
  // The orchestration bench measures raw BullMQ beside the system: its baseline needs BullMQ itself.
  { packages: ['bullmq'], modules: ['queue', 'bench'] },
  { packages: ['@prisma/', 'prisma'], modules: ['store'] },
  { packages: ['express', 'express-rate-limit', 'helmet'], modules: ['server'] },
];

function* files(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      // The generated Prisma clients are the store's own output, not code to hold to these rules.
      if (name !== 'generated') yield* files(path);
    } else if (/\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts')) yield path;
  }
}

const importsOf = (file) => ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles.map((f) => f.fileName);
const moduleOf = (file) => relative(root, file).split(sep)[0];
const shown = (file) => relative(checkout, file);
const packageName = (specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);

/** The source file a relative specifier names (`./x.js` is `x.ts` in src/), or null outside src/. */
function resolveSource(from, specifier) {
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), base, `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => c.startsWith(root + sep) && existsSync(c) && statSync(c).isFile()) ?? null;
}

const problems = [];
const graph = new Map();
for (const file of files(root)) {
  const from = moduleOf(file);
  if (!(from in allowed)) {
    problems.push(`${shown(file)}: top-level module "${from}" is not listed in scripts/check-layers.js`);
    continue;
  }
  const edges = new Set();
  for (const specifier of importsOf(file)) {
    if (specifier.startsWith('.')) {
      const target = relative(root, resolve(dirname(file), specifier)).split(sep)[0];
      if (target !== from && !target.startsWith('..') && allowed[from] !== '*' && !allowed[from].includes(target)) {
        problems.push(`${shown(file)} imports ${specifier}: "${from}" may not depend on "${target}"`);
      }
      const source = resolveSource(file, specifier);
      if (source) edges.add(source);
      continue;
    }
    if (specifier.startsWith('node:')) continue;
    const name = packageName(specifier);
    for (const home of packageHomes) {
      const owned = home.packages.some((p) => (p.endsWith('/') ? name.startsWith(p) : name === p));
      if (owned && !home.modules.includes(from)) {
        problems.push(
          `${shown(file)} imports ${specifier}: that package belongs to src/${home.modules.join(' and src/')}; go through its port there`,
        );
      }
    }
  }
  graph.set(file, edges);
}

// Import cycles: strongly connected components of the file graph (Tarjan), each reported with one cycle through it.
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
let counter = 0;
const components = [];
function connect(file) {
  index.set(file, counter);
  low.set(file, counter++);
  stack.push(file);
  onStack.add(file);
  for (const next of graph.get(file) ?? []) {
    if (!graph.has(next)) continue;
    if (!index.has(next)) {
      connect(next);
      low.set(file, Math.min(low.get(file), low.get(next)));
    } else if (onStack.has(next)) low.set(file, Math.min(low.get(file), index.get(next)));
  }
  if (low.get(file) === index.get(file)) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || graph.get(file)?.has(file)) components.push(component);
  }
}
for (const file of graph.keys()) if (!index.has(file)) connect(file);

/** A shortest path back to `start` inside its component: the cycle to show. */
function cycleThrough(start, members) {
  const inside = new Set(members);
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const file = queue.shift();
    for (const next of graph.get(file)) {
      if (next === start) {
        const path = [file];
        for (let at = previous.get(file); at !== null; at = previous.get(at)) path.unshift(at);
        return [...path, start];
      }
      if (inside.has(next) && !previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return [start, start];
}
for (const component of components) {
  const start = [...component].sort()[0];
  const more = component.length > 2 ? ` (${component.length} files in the cycle's component)` : '';
  problems.push(`import cycle: ${cycleThrough(start, component).map(shown).join(' → ')}${more}`);
}

// dashboard/ is a browser bundle: it may take types from src/ (erased at build), never code.
for (const file of files(join(checkout, 'dashboard', 'src'))) {
  const source = readFileSync(file, 'utf8');
  for (const m of source.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?from\s*['"](\.[^'"]+)['"]/gm)) {
    const target = resolve(dirname(file), m[3]);
    if (!target.startsWith(root + sep)) continue;
    if (!m[2]) problems.push(`${shown(file)} imports ${m[3]}: dashboard/ may import only types from src/ (use "import type")`);
  }
}

if (problems.length) {
  console.error(`layer check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('layer check: ok');
