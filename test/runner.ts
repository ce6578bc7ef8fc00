/**
 * `node --import tsx test/runner.ts <files…>`: runs the test files in the order given,
 * TEST_CONCURRENCY (default 2) at a time, with the spec reporter. `node --test` would sort
 * them by name; test/run.sh chooses the order so that stacks run beside lighter files.
 */
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const files = process.argv.slice(2);
const concurrency = Number(process.env.TEST_CONCURRENCY ?? 2);
run({ files, concurrency })
  .on('test:fail', () => {
    process.exitCode = 1;
  })
  .compose(new spec())
  .pipe(process.stdout);
