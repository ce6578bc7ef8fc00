/**
 * The fault matrix: every mutating call the product makes (AWS, ARM, Kubernetes and helm
 * writes, as counted by the emulators and the kube pool during fault-free runs of the
 * examples) × {throttling, 5xx, timeout, applied-but-response-lost, failed long-running
 * operation} → the run completes after retries or rolls back, ending with nothing of the
 * mesh anywhere and no resource twice. Prints the matrix as a table.
 *
 * `npm run chaos` (CHAOS_FULL=1) plays every cell. Otherwise CHAOS_CELLS (default 1) cells
 * are drawn with a seed printed in the output (by default the UTC date, YYYYMMDD, so the
 * sample moves on every day); CHAOS_SEED=<n> replays that draw.
 * CHAOS_ONLY=<regex> plays the cells whose name (`<surface> <operation> × <fault>`) matches.
 * CHAOS_GROUP=<n> (default 10 with CHAOS_FULL, else 1) plays up to n cells of one example and
 * stage in one run, each fault on another call; a group that does not complete with every
 * fault fired is played again cell by cell, so every cell's verdict stands on its own run
 * unless a run carrying it and others completed. CHAOS_GROUP=1 plays every cell alone.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useStack } from '../support/stack.ts';
import { cellsOf, deriveCalls, groupsOf, sample, type MatrixCell } from './calls.ts';
import { recordBaseline, runCells, table, type CellResult } from './matrix.ts';

// Before the stack starts: the kube pool's fault proxies, so Kubernetes writes are counted and faulted.
process.env.CELLBRIDGE_SIM_KUBE_FAULTS = '1';

const full = process.env.CHAOS_FULL === '1';
// The day (UTC, YYYYMMDD) by default: each day's CI plays other cells, and a day's draw can be replayed and checked before it lands.
const seed = Number(process.env.CHAOS_SEED ?? new Date().toISOString().slice(0, 10).replaceAll('-', ''));
const size = Number(process.env.CHAOS_CELLS ?? 1);
const only = process.env.CHAOS_ONLY ? new RegExp(process.env.CHAOS_ONLY) : undefined;
const groupSize = Number(process.env.CHAOS_GROUP ?? (full ? 10 : 1));

describe('fault matrix', () => {
  const stack = useStack('chaos');

  test(`every mutating call × fault completes or rolls back to zero, nothing twice (${full ? 'all cells' : `${size} cells, seed ${seed}`})`, async (t) => {
    const e = stack.endpoints();
    if (!full && !only) console.log(`# chaos seed: ${seed} (replay with CHAOS_SEED=${seed})`);
    const started = Date.now();
    const baseline = await recordBaseline(e, { minimal: 'chaos-base', cells: 'chaos-cells' });
    const calls = deriveCalls(baseline.calls);
    const all = cellsOf(calls);
    console.log(`# ${calls.length} mutating calls (${calls.filter((c) => c.surface === 'aws').length} AWS, ${calls.filter((c) => c.surface === 'azure').length} ARM, ${calls.filter((c) => c.surface === 'kube').length} Kubernetes), ${all.length} cells; baseline runs took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    assert.ok(calls.some((c) => c.surface === 'aws') && calls.some((c) => c.surface === 'azure') && calls.some((c) => c.surface === 'kube'), 'every surface contributes calls');
    const name = (c: MatrixCell) => `${c.call.surface} ${c.call.operation} × ${c.fault}`;
    const chosen = only ? all.filter((c) => only.test(name(c))) : full ? all : sample(all, size, seed);
    const results: CellResult[] = [];
    let index = 0;
    const play = async (cells: MatrixCell[]) => {
      const mesh = `cx-${index++}`;
      const label = cells.length === 1 ? name(cells[0]!) : `group of ${cells.length}: ${cells.map(name).join(', ')}`;
      let verdict: Awaited<ReturnType<typeof runCells>> | undefined;
      await t.test(`${label} (${cells[0]!.call.stage}, ${cells[0]!.call.example})`, async () => {
        verdict = await runCells(e, cells, mesh, baseline);
        console.log(`# ${verdict.outcome} in ${verdict.seconds.toFixed(1)} s: ${verdict.detail}`);
        if (cells.length === 1) assert.notEqual(verdict.outcome, 'FAILED', verdict.detail);
      });
      return verdict!;
    };
    for (const group of groupsOf(chosen, groupSize)) {
      if (group.length > 1) {
        const together = await play(group);
        if (together.outcome === 'completed') {
          results.push(...group.map((cell) => ({ cell, ...together, detail: `in a group of ${group.length} (cx-${index - 1}): ${together.detail}` })));
          continue;
        }
        console.log(`# the group ${together.outcome === 'FAILED' ? 'failed' : 'rolled back'}; its cells play one by one`);
      }
      for (const cell of group) results.push({ cell, ...(await play([cell])) });
    }
    console.log(`\n${table(results)}\n`);
    console.log(`# matrix: ${results.length} cells (${index} runs, groups of up to ${groupSize}) in ${((Date.now() - started) / 1000).toFixed(0)} s; ${results.filter((r) => r.outcome === 'FAILED').length} failed${full ? '' : `; seed ${seed}`}`);
  });
});
