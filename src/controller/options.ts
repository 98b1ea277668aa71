/**
 * Reading strategy options that come from users (flags, config files,
 * snapshots): unknown names and out-of-range values fail with the strategy,
 * the option and the accepted range in the message.
 */
import { BlockqnnError, ErrorCode } from '../common/errors.js';
import type { StrategyOptions } from './strategy.js';

interface Range {
  min?: number;
  max?: number;
  /** The minimum itself is not allowed. */
  above?: boolean;
  integer?: boolean;
}

export class OptionReader {
  constructor(
    private readonly strategy: string,
    private readonly options: StrategyOptions,
    known: readonly string[],
  ) {
    if (!options || typeof options !== 'object') {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `strategy ${strategy}: options must be an object with at least a seed`);
    }
    const valid = ['seed', 'budget', ...known];
    for (const name of Object.keys(options)) {
      if (!valid.includes(name)) {
        throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `strategy ${strategy} has no option "${name}"`, {
          hint: `valid options: ${valid.join(', ')}`,
        });
      }
    }
  }

  get seed(): number {
    const seed = this.options.seed;
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
      throw new BlockqnnError(ErrorCode.INVALID_CONFIG, `strategy ${this.strategy}: seed must be an integer, got ${String(seed)}`, {
        hint: 'every strategy is seeded so a search can be repeated exactly; pass e.g. { seed: 1 }',
      });
    }
    return seed;
  }

  get budget(): number | undefined {
    const budget = this.options.budget;
    return budget === undefined ? undefined : this.number('budget', 1, { min: 1, integer: true });
  }

  number(name: string, fallback: number, range: Range = {}): number {
    const value = this.options[name] ?? fallback;
    const { min, max, above, integer } = range;
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (!integer || Number.isInteger(value)) &&
      (min === undefined || (above ? value > min : value >= min)) &&
      (max === undefined || value <= max);
    if (!ok) {
      const bounds = [min !== undefined ? `${above ? '>' : '>='} ${min}` : '', max !== undefined ? `<= ${max}` : '']
        .filter(Boolean)
        .join(' and ');
      throw new BlockqnnError(
        ErrorCode.INVALID_CONFIG,
        `strategy ${this.strategy}: option ${name} must be ${integer ? 'an integer' : 'a number'}${bounds ? ` ${bounds}` : ''}, got ${JSON.stringify(value)}`,
        {
          details: { strategy: this.strategy, option: name },
        },
      );
    }
    return value as number;
  }

  raw(name: string): unknown {
    return this.options[name];
  }
}
