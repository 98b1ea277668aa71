import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidArchitectureError } from '../../src/common/errors.js';
import { NB201_CELL_COUNT, buildNb201Network, networkCost, parseNb201, printNb201 } from '../../src/search-space/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const csvPath = path.resolve(repoRoot, 'data/nasbench201/cifar10.csv.gz');

interface Row {
  index: number;
  arch: string;
  paramsM: string;
  flopsM: string;
}

function readRows(): Row[] {
  const [header, ...lines] = gunzipSync(readFileSync(csvPath)).toString('utf8').trim().split(/\r?\n/);
  const columns = header!.split(',');
  const at = (name: string) => columns.indexOf(name);
  return lines.map((line) => {
    const f = line.split(',');
    return { index: Number(f[at('arch_index')]), arch: f[at('arch_str')]!, paramsM: f[at('params_M_c10')]!, flopsM: f[at('flops_M_c10')]! };
  });
}

/** The CSV gives millions with 6 decimals: compare counts rounded to that precision. */
const millions = (count: number) => (count / 1e6).toFixed(6);

describe('NAS-Bench-201 cells', () => {
  const rows = readRows();

  it('the CSV holds every cell once', () => {
    expect(rows).toHaveLength(NB201_CELL_COUNT);
    expect(new Set(rows.map((r) => printNb201(parseNb201(r.arch)))).size).toBe(NB201_CELL_COUNT);
  });

  it('reproduces the published params and FLOPs of all 15,625 cells exactly', () => {
    const mismatches: string[] = [];
    for (const row of rows) {
      const cost = networkCost(buildNb201Network(parseNb201(row.arch)));
      const [params, flops] = [millions(cost.params), millions(cost.macs)];
      if (params !== Number(row.paramsM).toFixed(6) || flops !== Number(row.flopsM).toFixed(6)) {
        mismatches.push(`#${row.index} ${row.arch}: params ${params} vs ${row.paramsM}, flops ${flops} vs ${row.flopsM}`);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('builds the documented macro network: output [classes], three widths, two reductions', () => {
    const checked = buildNb201Network(
      parseNb201('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'),
      { classes: 7 },
    );
    expect(checked.shapes.get(checked.ir.output)).toEqual([7]);
    expect(checked.shapes.get('reduce1/add')).toEqual([16, 16, 32]);
    expect(checked.shapes.get('reduce2/add')).toEqual([8, 8, 64]);
  });

  it('rejects malformed arch strings naming the problem', () => {
    for (const [text, problem] of [
      ['|nor_conv_3x3~0|+|none~0|none~1|', '3 node groups'],
      ['|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|', 'unknown op "conv"'],
      ['|none~1|+|none~0|none~1|+|none~0|none~1|none~2|', 'must read from node 0'],
      ['|none~0|+|none~0|+|none~0|none~1|none~2|', 'node 2 must have 2 incoming edges'],
      ['none~0|+|none~0|none~1|+|none~0|none~1|none~2|', 'must start and end with "|"'],
    ]) {
      expect(() => parseNb201(text!)).toThrow(InvalidArchitectureError);
      expect(() => parseNb201(text!)).toThrow(problem);
    }
  });
});
