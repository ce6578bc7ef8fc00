/** One thing wrong with a request: where (a JSON pointer), which rule, and why. */
export interface Problem {
  path: string;
  rule: string;
  message: string;
}
