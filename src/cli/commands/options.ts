/** Parsers for option values shared by several commands; each names the flag and the fix on bad input. */
import { InvalidArgumentError } from 'commander';

export function positiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a positive integer, got "${value}"`);
    return n;
  };
}

export function nonNegativeInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a non-negative integer, got "${value}"`);
    return n;
  };
}

/** One of `values`, or an error listing them. */
export function oneOf<T extends string>(flag: string, values: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(values as readonly string[]).includes(value))
      throw new InvalidArgumentError(`${flag} must be one of ${values.join(', ')}, got "${value}"`);
    return value as T;
  };
}

/** Parses HxWxC, e.g. 32x32x3. */
export function imageShape(value: string): [number, number, number] {
  const parts = value.toLowerCase().split('x').map(Number);
  if (parts.length !== 3 || !parts.every((n) => Number.isInteger(n) && n > 0)) {
    throw new InvalidArgumentError(`--input must be HxWxC with positive integers, e.g. 32x32x3; got "${value}"`);
  }
  return parts as [number, number, number];
}

/** Parses a positive finite number, e.g. 0.25. */
export function positiveNumber(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive number, got "${value}"`);
    return n;
  };
}

/** Parses a comma-separated list of positive integers, e.g. 64,128,256,512. */
export function positiveIntList(flag: string): (value: string) => number[] {
  return (value) => {
    const parts = value.split(',').map((p) => p.trim());
    const numbers = parts.map(Number);
    if (parts.length === 0 || parts.some((p) => p === '') || !numbers.every((n) => Number.isInteger(n) && n > 0)) {
      throw new InvalidArgumentError(`${flag} must be a comma-separated list of positive integers (e.g. 64,128,256,512), got "${value}"`);
    }
    return numbers;
  };
}

/** One positive integer (every stage) or a comma-separated list (one per stage), e.g. 2 or 2,2,2,2. */
export function blockCounts(flag: string): (value: string) => number | number[] {
  const list = positiveIntList(flag);
  return (value) => {
    const numbers = list(value);
    return numbers.length === 1 && !value.includes(',') ? numbers[0]! : numbers;
  };
}
