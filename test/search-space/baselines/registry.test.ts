/** Conformance over the whole baseline registry: every entry is tested without being listed here. */
import { describe, expect, it } from 'vitest';
import { BlockqnnError } from '../../../src/common/errors.js';
import { baselines, createBaselineRegistry, networkCost, parseIr } from '../../../src/search-space/index.js';

describe('baseline registry', () => {
  it('holds the ResNet, DLA and CliqueNet families by the names users type', () => {
    expect(baselines.list()).toEqual(
      expect.arrayContaining([
        'resnet-18',
        'resnet-34',
        'resnet-50',
        'resnet-101',
        'resnet-152',
        'se-resnet-50',
        'se-resnet-101',
        'se-resnet-152',
        'resnet-20-cifar',
        'se-resnet-20-cifar',
        'dla-34',
        'dla-46-c',
        'dla-x-46-c',
        'dla-x-60-c',
        'dla-60',
        'dla-x-60',
        'dla-102',
        'dla-x-102',
        'dla-x-102-64',
        'dla-169',
        'dla-34-cifar',
        'cliquenet-k36-t12',
        'cliquenet-k36-t12-ac',
        'cliquenet-k64-t15',
        'cliquenet-k80-t18',
      ]),
    );
    expect(createBaselineRegistry().list()).toEqual(baselines.list());
  });

  it('names the valid baselines on a miss', () => {
    try {
      baselines.get('resnet-51');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(BlockqnnError);
      expect((error as BlockqnnError).code).toBe('UNKNOWN_NAME');
      expect((error as BlockqnnError).hint).toContain('resnet-50');
    }
  });

  for (const name of baselines.list()) {
    describe(name, () => {
      const entry = baselines.get(name);

      it('is described and cited', () => {
        expect(entry.name).toBe(name);
        expect(entry.description.length).toBeGreaterThan(10);
        expect(entry.citation).toMatch(/\d{4}/);
      });

      it('builds with its defaults: output [classes], positive params and MACs, a valid wire IR', () => {
        const checked = entry.build();
        expect(checked.ir.input.shape).toEqual(entry.defaults.inputShape);
        expect(checked.shapes.get(checked.ir.output)).toEqual([entry.defaults.classes]);
        const cost = networkCost(checked);
        expect(cost.params).toBeGreaterThan(0);
        expect(cost.macs).toBeGreaterThan(0);
        expect(networkCost(parseIr(JSON.parse(JSON.stringify(checked.ir)))).params).toBe(cost.params);
      });

      it('builds for another input and class count', () => {
        const side = Math.max(32, entry.defaults.inputShape[0] / 2);
        const checked = entry.build({ inputShape: [side, side, 1], classes: 7 });
        expect(checked.shapes.get(checked.ir.output)).toEqual([7]);
      });
    });
  }
});
