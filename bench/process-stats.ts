/**
 * CPU time and peak memory of one process, from /proc (Linux): utime + stime of
 * /proc/<pid>/stat, and VmHWM (peak resident set) of /proc/<pid>/status. The peak is
 * reset through clear_refs so that a measurement excludes the worker's start (webpack
 * bundling of the workflows), which is not per-mesh cost.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, so 12 and 13 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** Peak resident set since start or since the last resetPeakRss, in bytes. */
export function peakRssBytes(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** "5" resets the peak RSS to the current RSS (proc(5), clear_refs); false where not permitted. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * CPU seconds of every process under `rootPid` (the benchmark's own children: Temporal,
 * Moto, the ARM emulator, the kube pool and its API servers, the worker, the API), by a
 * short name; read-only, to see which part of the proving ground a load lands on.
 */
export function descendantCpu(rootPid: number): Map<string, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const under = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === rootPid) return true;
    return false;
  };
  const byName = new Map<string, number>();
  for (const pid of parents.keys()) {
    if (!under(pid)) continue;
    try {
      const name = shortName(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean));
      byName.set(name, (byName.get(name) ?? 0) + cpuSeconds(pid));
    } catch {
      // gone meanwhile
    }
  }
  return byName;
}

function shortName(argv: string[]): string {
  const script = argv.find((a) => /\.(ts|py)$/.test(a));
  if (script) return script.split('/').slice(-2).join('/');
  return (argv[0] ?? '?').split('/').pop()!;
}

/** Differences of two descendantCpu readings, largest first, as "name 12.3 s, …". */
export function cpuDelta(before: Map<string, number>, after: Map<string, number>): { name: string; seconds: number }[] {
  return [...after].map(([name, s]) => ({ name, seconds: s - (before.get(name) ?? 0) })).filter((x) => x.seconds >= 0.05).sort((a, b) => b.seconds - a.seconds);
}
