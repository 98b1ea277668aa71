#!/usr/bin/env node
// Enforces the import direction between top-level modules of src/ (see README "Layout").
// A module may import only itself and the modules listed for it; cli and server wire everything.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..', 'src');
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
  reliability: ['common'],
  server: '*',
  cli: '*',
};

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|tsx)$/.test(name)) yield path;
  }
}

const problems = [];
for (const file of files(root)) {
  const from = relative(root, file).split(sep)[0];
  if (!(from in allowed)) {
    problems.push(`${relative(root, file)}: top-level module "${from}" is not listed in scripts/check-layers.js`);
    continue;
  }
  const source = readFileSync(file, 'utf8');
  for (const m of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)) {
    const target = relative(root, resolve(dirname(file), m[1])).split(sep)[0];
    if (target === from || target.startsWith('..')) continue;
    if (allowed[from] !== '*' && !allowed[from].includes(target)) {
      problems.push(`${relative(root, file)} imports ${m[1]}: "${from}" may not depend on "${target}"`);
    }
  }
}
// dashboard/ is a browser bundle: it may take types from src/ (erased at build), never code.
const dashboard = resolve(root, '..', 'dashboard', 'src');
for (const file of files(dashboard)) {
  const source = readFileSync(file, 'utf8');
  for (const m of source.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?from\s*['"](\.[^'"]+)['"]/gm)) {
    const target = resolve(dirname(file), m[3]);
    if (!target.startsWith(root + sep)) continue;
    if (!m[2]) problems.push(`${relative(resolve(root, '..'), file)} imports ${m[3]}: dashboard/ may import only types from src/ (use "import type")`);
  }
}
if (problems.length) {
  console.error(`layer check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('layer check: ok');
