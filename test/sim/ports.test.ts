// Stack ports: processes picking ports side by side (the test runner starts several stacks
// at once) never get the same one.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';

const PICKS = 250;
const picker = `import { freePort } from '${new URL('../../sim/ports.ts', import.meta.url).href}';
const ports = [];
for (let i = 0; i < ${PICKS}; i++) ports.push(await freePort());
console.log(JSON.stringify(ports));
console.log('HELD');
process.stdin.on('end', () => process.exit(0)).resume();`;

/** A process that picks its ports and holds them until its stdin is closed. */
async function pick(): Promise<{ ports: number[]; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', picker], { stdio: ['pipe', 'pipe', 'inherit'], cwd: new URL('../..', import.meta.url) });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  while (!out.includes('HELD')) await once(child.stdout!, 'data');
  return { ports: JSON.parse(out.split('\n')[0]!) as number[], child };
}

test('four processes picking 250 ports each at once, holding them, never pick the same port', async () => {
  const pickers = await Promise.all([1, 2, 3, 4].map(() => pick()));
  try {
    const all = pickers.flatMap((p) => p.ports);
    assert.equal(new Set(all).size, all.length, `${all.length - new Set(all).size} ports picked twice`);
  } finally {
    // Ended normally (stdin closed), so each gives its ports back as a stack's processes do.
    await Promise.all(pickers.map(async (p) => {
      const exited = once(p.child, 'exit');
      p.child.stdin!.end();
      await exited;
    }));
  }
});
