/**
 * How a secret value (a tunnel's pre-shared key, a token) appears in a drift report: the
 * first 12 hex digits of its SHA-256. Two values can be told apart, neither can be read back:
 * the keys are long random strings, so the prefix gives nothing to guess from.
 */
import { createHash } from 'node:crypto';

export function secretFingerprint(value: string | undefined): string {
  if (value === undefined || value === '') return 'absent';
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 12)}`;
}
