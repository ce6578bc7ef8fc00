/**
 * A long run as it goes: in a terminal, one block redrawn in place (phase, elapsed against
 * what the clouds are expected to take, resources ready out of all, what is being made, the
 * four tunnels); elsewhere (CI logs), one plain line per thing that changed.
 */
import type { MeshStatus } from '../domain/mesh-status.ts';

type Seen = Pick<MeshStatus, 'phase' | 'resources' | 'tunnels' | 'expected'> & { error?: string };

export interface Progress {
  show(status: Seen): void;
}

export function progress(out: NodeJS.WriteStream, mesh: string, startedAt = Date.now()): Progress {
  return out.isTTY ? redrawn(out, mesh, startedAt) : lines(out, mesh, startedAt);
}

function redrawn(out: NodeJS.WriteStream, mesh: string, startedAt: number): Progress {
  let drawn = 0;
  return {
    show(status) {
      const busy = status.resources.filter((r) => r.state === 'creating' || r.state === 'deleting').map((r) => r.id);
      const block = [
        `mesh ${mesh} · ${status.phase} · ${timing(status, startedAt)}`,
        `resources ${count(status, 'ready')}/${status.resources.length} ready${busy.length ? ` · working on ${busy.slice(0, 4).join(', ')}${busy.length > 4 ? ` and ${busy.length - 4} more` : ''}` : ''}`,
        `tunnels ${status.tunnels.length ? status.tunnels.map((t) => `${t.index}:${t.established ? 'BGP up' : t.azure.state || t.aws.status || '…'}`).join('  ') : 'none yet'}`,
        ...(status.error ? [`error: ${status.error}`] : []),
      ];
      if (drawn > 0) out.write(`\x1b[${drawn}A\x1b[J`);
      out.write(`${block.join('\n')}\n`);
      drawn = block.length;
    },
  };
}

function lines(out: NodeJS.WriteStream, mesh: string, startedAt: number): Progress {
  let phase = '';
  const states = new Map<string, string>();
  const tunnels = new Map<number, boolean>();
  const say = (text: string) => out.write(`[${elapsed(startedAt)}] ${mesh}: ${text}\n`);
  return {
    show(status) {
      if (status.phase !== phase) say(`phase ${(phase = status.phase)}${status.expected ? ` (the clouds take about ${clock(status.expected.seconds)})` : ''}${status.error ? ` (${status.error})` : ''}`);
      for (const r of status.resources) {
        if (states.get(r.id) !== r.state && (states.has(r.id) || r.state !== 'pending')) say(`${r.id} ${r.state}`);
        states.set(r.id, r.state);
      }
      for (const t of status.tunnels) {
        if (tunnels.get(t.index) !== t.established) say(`tunnel ${t.index} ${t.established ? 'BGP established' : 'not established'}`);
        tunnels.set(t.index, t.established);
      }
    },
  };
}

function count(status: Seen, state: string): number {
  return status.resources.filter((r) => r.state === state).length;
}

function elapsed(startedAt: number): string {
  return clock((Date.now() - startedAt) / 1000);
}

/** Elapsed since the work began (the workflow's clock) against what the clouds take, or since watching began. */
function timing(status: Seen, startedAt: number): string {
  if (!status.expected) return elapsed(startedAt);
  const since = Date.parse(status.expected.since);
  return `${elapsed(Number.isNaN(since) ? startedAt : since)} of ~${clock(status.expected.seconds)} expected`;
}

function clock(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
