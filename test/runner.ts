/**
 * `node --import tsx test/runner.ts <files…>`: runs the test files longest first
 * (test/schedule.ts), TEST_CONCURRENCY (default 2) at a time, with the spec reporter, and
 * writes each file's seconds (the sum of its top-level tests) to .stack/test-durations.json,
 * the figures test/durations.json is refreshed from.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { longestFirst } from './schedule.ts';

const STARTS_STACK = /useStack\(|startStack\(/;
const MEASURED = '.stack/test-durations.json';
const table = JSON.parse(readFileSync(new URL('durations.json', import.meta.url), 'utf8')) as Record<string, number>;
const files = longestFirst(process.argv.slice(2), table, (file) => STARTS_STACK.test(readFileSync(file, 'utf8')));
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
const measured: Record<string, number> = {};

const stream = run({ files, concurrency });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
for (const event of ['test:pass', 'test:fail'] as const) {
  stream.on(event, (data) => {
    if (data.nesting === 0 && data.file) measured[data.file] = (measured[data.file] ?? 0) + data.details.duration_ms / 1000;
  });
}
stream.on('end', () => {
  const cwd = `${process.cwd()}/`;
  // Merged with what the other suite (npm test, npm run test:long) measured last.
  const seconds: Record<string, number> = existsSync(MEASURED) ? JSON.parse(readFileSync(MEASURED, 'utf8')) : {};
  for (const [file, s] of Object.entries(measured)) seconds[file.replace(cwd, '')] = Math.round(s);
  const merged = Object.entries(seconds).sort(([, a], [, b]) => b - a);
  writeFileSync(MEASURED, `${JSON.stringify(Object.fromEntries(merged), null, 2)}\n`);
});
stream.compose(new spec()).pipe(process.stdout);
