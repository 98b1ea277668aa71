/** Versions recorded in every export's provenance: blockqnn, Node.js, and PyTorch when a Python with torch is found. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findTorchPython } from '../engines/torch/python.js';

/** This module is src/export/versions.ts or dist/export/versions.js: two levels below the package root either way. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

let blockqnn: string | undefined;

export function blockqnnVersion(): string {
  blockqnn ??= String((JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version?: unknown }).version ?? 'unknown');
  return blockqnn;
}

export interface Versions {
  blockqnn: string;
  node: string;
  torch?: string;
}

export async function exportVersions(): Promise<Versions> {
  const search = await findTorchPython();
  return { blockqnn: blockqnnVersion(), node: process.versions.node, ...(search.found ? { torch: search.found.torchVersion } : {}) };
}
