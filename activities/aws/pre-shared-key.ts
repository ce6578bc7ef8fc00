import { randomInt } from 'node:crypto';

const FIRST = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const REST = `${FIRST}0123456789._`;

/**
 * A tunnel pre-shared key within AWS's rules (8–64 of [A-Za-z0-9._], not starting with
 * 0) and Azure's. Made inside the activity that hands it to AWS, and never returned:
 * the Azure side reads it back from AWS, so it never enters workflow history.
 */
export function generatePreSharedKey(length = 48): string {
  let key = FIRST[randomInt(FIRST.length)] as string;
  while (key.length < length) key += REST[randomInt(REST.length)];
  return key;
}
