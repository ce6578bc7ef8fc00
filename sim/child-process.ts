/** Starts a stack process, logs it to a file, and resolves once it prints its ready line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  /** Resolves when a line of stdout or stderr matches; absent: resolve once spawned. */
  ready?: RegExp;
  logFile: string;
  timeoutMs?: number;
}

export interface RunningProcess {
  name: string;
  child: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function startProcess(spec: ProcessSpec): Promise<RunningProcess> {
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const child = spawn(spec.command, spec.args, { env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const running: RunningProcess = {
    name: spec.name,
    child,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    const timer = setTimeout(() => fail(new Error(`${spec.name} did not become ready within ${spec.timeoutMs ?? 60_000} ms`)), spec.timeoutMs ?? 60_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      void running.stop('SIGKILL');
      reject(new Error(`${error.message}; see ${spec.logFile}:\n${tail.join('\n')}`));
    };
    const onLine = (line: string) => {
      log.write(`${line}\n`);
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (spec.ready?.test(line)) {
        clearTimeout(timer);
        resolve(running);
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`${spec.name} exited (${code ?? signal}) before it was ready`)));
    if (!spec.ready) child.once('spawn', () => (clearTimeout(timer), resolve(running)));
  });
}

/** Rejects when the process exits: raced against a wait so that a process that died is not waited for. */
export function exitOf(running: RunningProcess, logFile: string): Promise<never> {
  return new Promise((_, reject) => {
    const report = () => reject(new Error(`${running.name} exited (${running.child.exitCode ?? running.child.signalCode}); see ${logFile}`));
    if (running.child.exitCode !== null || running.child.signalCode !== null) report();
    else running.child.once('exit', report);
  });
}
