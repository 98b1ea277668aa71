/**
 * Exports cannot leave their export root: `..` in any position, absolute
 * paths, symbolic links inside the root that point out of it (directly, in a
 * chain, or as a parent of a folder still to be created), and the root itself
 * are refused with an error that names the folder and the root; odd but
 * inside names (`..foo`, spaces) are allowed; a refused export writes nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockqnnError, ErrorCode } from '../../src/common/errors.js';
import { EXPORT_ROOT_ENV, resolveExportDir, writeAtomically } from '../../src/export/output-dir.js';

const base = mkdtempSync(join(tmpdir(), 'blockqnn-security-export-'));
const root = join(base, 'root');
const outside = join(base, 'outside');
mkdirSync(join(root, 'inside', 'deep'), { recursive: true });
mkdirSync(outside);
symlinkSync(outside, join(root, 'to-outside'));
symlinkSync(join(root, 'to-outside'), join(root, 'chain'));
symlinkSync('../outside', join(root, 'relative-out'));
symlinkSync(join(root, 'inside'), join(root, 'to-inside'));
symlinkSync('/', join(root, 'to-root'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const options = { cwd: root, env: { [EXPORT_ROOT_ENV]: root } };

async function refused(out: string): Promise<BlockqnnError> {
  try {
    await resolveExportDir(out, options);
  } catch (error) {
    expect(error).toBeInstanceOf(BlockqnnError);
    return error as BlockqnnError;
  }
  throw new Error(`expected ${out} to be refused`);
}

describe('export folders outside the root are refused', () => {
  const escapes = [
    '..',
    '../',
    '../outside',
    '../outside/x',
    'inside/../../outside',
    'inside/deep/../../../x',
    './../x',
    outside,
    join(outside, 'new'),
    '/',
    '/etc',
    '/tmp/x',
    '//etc',
    'to-outside',
    'to-outside/new',
    'to-outside/a/b/c',
    'chain/new',
    'relative-out/new',
    'to-root/etc',
    'to-inside/../../outside',
    '.',
    './',
    'inside/..',
    root,
  ];
  it.each(escapes)('%s', async (out) => {
    const error = await refused(out);
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toMatch(/outside the export root|is the export root itself|is empty/);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('an empty or blank --out is refused by name', async () => {
    for (const out of ['', '   ']) expect((await refused(out)).message).toMatch(/output folder is empty/);
  });
});

describe('folders inside the root are allowed, resolved through links', () => {
  const inside: [string, string][] = [
    ['exports/best', 'exports/best'],
    ['inside/deep/x', 'inside/deep/x'],
    ['to-inside/x', 'inside/x'],
    ['inside/../exports', 'exports'],
    ['..foo', '..foo'],
    ['...', '...'],
    ['a b/c', 'a b/c'],
    [join(root, 'abs'), 'abs'],
  ];
  it.each(inside)('%s', async (out, expected) => {
    expect(await resolveExportDir(out, options)).toBe(join(root, expected));
  });
});

describe('a refused or failed export writes nothing', () => {
  it('writeAtomically leaves no temporary folder when the fill fails', async () => {
    const dir = await resolveExportDir('atomic', options);
    await expect(
      writeAtomically(dir, {}, async (tmp) => {
        await writeFile(join(tmp, 'half.json'), '{');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(root).filter((n) => n.includes('export-'))).toEqual([]);
  });
});
