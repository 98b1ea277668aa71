import { BlockqnnError, ErrorCode } from './errors.js';

/**
 * A named collection without import side effects: each folder registers its
 * entries explicitly. The names are the strings a user types (CLI flags,
 * database rows, dashboard labels).
 *
 * @example
 * const strategies = new Registry<StrategyFactory>('strategy');
 * strategies.register('random', createRandomSearch);
 * strategies.get('random'); // throws UNKNOWN_NAME listing valid names on a miss
 */
export class Registry<T> {
  private readonly entries = new Map<string, T>();

  constructor(readonly kind: string) {}

  register(name: string, entry: T): this {
    if (this.entries.has(name)) {
      throw new BlockqnnError(ErrorCode.INTERNAL, `${this.kind} "${name}" is registered twice`);
    }
    this.entries.set(name, entry);
    return this;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  get(name: string): T {
    const entry = this.entries.get(name);
    if (entry === undefined) {
      throw new BlockqnnError(ErrorCode.UNKNOWN_NAME, `unknown ${this.kind} "${name}"`, {
        hint: `valid ${this.kind} names: ${this.list().join(', ')}`,
        details: { kind: this.kind, name, valid: this.list() },
      });
    }
    return entry;
  }

  list(): string[] {
    return [...this.entries.keys()].sort();
  }
}
