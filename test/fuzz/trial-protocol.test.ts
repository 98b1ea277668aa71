/**
 * The script engine's channel (src/engines/script/protocol.ts): whatever a user's
 * script writes on the trial descriptor, parseTrialLine answers with a message or
 * a reason it is not one — never a throw — and what it accepts is well formed.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTrialLine } from '../../src/engines/script/protocol.js';
import { CaseCounter, reportCases } from './fuzz-kit.js';

const lines = new CaseCounter('trial-channel-line');
afterAll(() => reportCases(lines));

const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom('NaN', 'Infinity', '-Infinity', 'nan', '1e3', null, true));
/** Messages of each kind with arbitrary values in their fields, some fields missing: valid ones and near misses. */
const fraction = fc.oneof(fc.double({ min: 0, max: 1 }), number);
const message = fc.oneof(
  fc.record(
    {
      type: fc.constant('hello'),
      protocol: fc.oneof(fc.nat(3), fc.string()),
      pid: fc.oneof(fc.nat(), fc.double()),
      python: fc.string({ maxLength: 120 }),
    },
    { requiredKeys: ['type', 'protocol', 'pid'] },
  ),
  fc.record(
    {
      type: fc.constant('epoch'),
      epoch: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double()),
      loss: number,
      trainAccuracy: fraction,
      valAccuracy: fraction,
      learningRate: number,
      seconds: fc.oneof(fc.double({ min: 0, max: 100 }), number),
      images: fc.oneof(fc.nat(), number),
    },
    { requiredKeys: ['type', 'epoch', 'loss', 'seconds', 'images'] },
  ),
  fc.record(
    {
      type: fc.constant('final'),
      accuracy: fraction,
      extra: fc.dictionary(fc.oneof(fc.string({ maxLength: 70 }), fc.constantFrom('best', 'ema_acc', 'fgsm@0.1')), fraction, {
        maxKeys: 4,
      }),
    },
    { requiredKeys: ['type', 'accuracy'] },
  ),
  fc.record(
    { type: fc.constant('failure'), error: fc.string(), traceback: fc.string(), outOfMemory: fc.oneof(fc.boolean(), fc.string()) },
    { requiredKeys: ['type', 'error'] },
  ),
  fc.record({ type: fc.constantFrom('progress', 'result', 'log', ''), epoch: fc.nat() }),
);

describe('trial channel lines', () => {
  it('a line is a message or a named problem, never a throw; accepted numbers are numbers and accuracies fractions', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 100 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
      message.map((m) => JSON.stringify(m)),
    );
    fc.assert(
      fc.property(line, (text) => {
        const parsed = parseTrialLine(text);
        if ('problem' in parsed) {
          expect(parsed.problem.length).toBeGreaterThan(0);
          lines.refused();
          return;
        }
        lines.accepted();
        const m = parsed.message;
        if (m.type === 'epoch') {
          expect(Number.isInteger(m.epoch) && m.epoch >= 1).toBe(true);
          expect(typeof m.loss).toBe('number');
          for (const a of [m.trainAccuracy, m.valAccuracy]) if (a !== undefined && Number.isFinite(a)) expect(a >= 0 && a <= 1).toBe(true);
        }
        if (m.type === 'final') {
          expect(typeof m.accuracy).toBe('number');
          for (const name of Object.keys(m.extra)) expect(name).toMatch(/^[A-Za-z][A-Za-z0-9_.@-]{0,63}$/);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('names the problem: not JSON, an unknown message, a percentage, an oversized line', () => {
    expect(parseTrialLine('epoch 1 loss 2.3')).toEqual({ problem: 'not JSON: "epoch 1 loss 2.3"' });
    expect(parseTrialLine('{"type": "progress"}')).toMatchObject({ problem: expect.stringMatching(/^type: /) });
    expect(parseTrialLine(JSON.stringify({ type: 'final', accuracy: 87, extra: {} }))).toMatchObject({
      problem: expect.stringContaining('accuracies are fractions in [0, 1]'),
    });
    expect(parseTrialLine(JSON.stringify({ type: 'final', accuracy: 'NaN', extra: {} }))).toEqual({
      message: { type: 'final', accuracy: Number.NaN, extra: {} },
    });
    expect(parseTrialLine('x'.repeat(70_000))).toMatchObject({ problem: expect.stringContaining('a line of 70000 characters') });
  });
});
