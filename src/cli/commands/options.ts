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
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(`${flag} must be one of ${values.join(', ')}, got "${value}"`);
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
