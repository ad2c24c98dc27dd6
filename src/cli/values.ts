import { InvalidArgumentError, Option } from 'commander';

/** Options and value parsers shared by verbs; a bad value is a usage error (exit code 2). */

export const jsonOption = () => new Option('--json', 'print JSON instead of a table');

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('must be a positive number');
  return n;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a whole number > 0');
  return n;
}

export function wholeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}
