// Starts the extended Moto server (sim/aws/moto_server.py) as a child process.
import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const TAIL_LINES = 40;

export interface MotoOptions {
  /** 0 or absent: the OS picks a free port. */
  port?: number;
  /** Real-world latencies are divided by this. */
  timeScale: number;
  /** Base URL of the tunnel fabric (telemetry is POSTed to `<url>/aws-telemetry`); http:// is accepted for tests. */
  fabricUrl?: string;
  /** CA that signs the fabric's HTTPS certificate. */
  fabricCa?: string;
  /** The kube pool (sim/README.md "Kubernetes control planes") backing EKS clusters. */
  kubeUrl?: string;
  /**
   * Real-world seconds of the eventual consistency the emulator plays (sim/aws/consistency.py),
   * in place of AWS-like defaults; 0 turns one off for tests of something else.
   */
  consistency?: { iamPropagationSeconds?: number; ec2VisibilitySeconds?: number };
  /**
   * false: Moto accepts requests its botocore models refuse (sim/aws/strict.py), as plain Moto
   * does; for telling whether a failure comes from strict mode. Defaults to true.
   */
  strict?: boolean;
  /** Defaults to `<repo>/.stack/venv/bin/python`. */
  python?: string;
  /** Child stdout and stderr are appended here. */
  logFile?: string;
}

export interface MotoHandle {
  url: string;
  stop(): Promise<void>;
}

export async function startMoto(opts: MotoOptions): Promise<MotoHandle> {
  const python = opts.python ?? resolve(repoRoot, '.stack', 'venv', 'bin', 'python');
  const args = [
    resolve(here, 'moto_server.py'),
    '--host', '127.0.0.1',
    '--port', String(opts.port ?? 0),
    '--time-scale', String(opts.timeScale),
  ];
  if (opts.fabricUrl) args.push('--fabric-url', opts.fabricUrl);
  if (opts.fabricCa) args.push('--fabric-ca', opts.fabricCa);
  if (opts.consistency) args.push('--consistency', JSON.stringify(opts.consistency));
  if (opts.strict === false) args.push('--no-strict');

  const child = spawn(python, args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Real IAM has the AWS managed policies (AmazonEKSClusterPolicy, …); Moto loads them only when asked.
    env: { ...process.env, PYTHONUNBUFFERED: '1', MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', ...(opts.kubeUrl ? { CELLBRIDGE_SIM_KUBE_URL: opts.kubeUrl } : {}) },
  });
  const log: WriteStream | undefined = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
  // Kept in memory so a failed start can say why even without a log file.
  const tail: string[] = [];
  const remember = (line: string): void => {
    log?.write(line + '\n');
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  createInterface({ input: child.stderr }).on('line', remember);
  const stdout = createInterface({ input: child.stdout });

  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', () => resolveExit());
    child.once('error', () => resolveExit());
  });
  // A crashed or interrupted test run must not leave the server behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const describeFailure = (why: string): Error =>
    new Error(`Moto did not start (${why}): ${python} ${args.join(' ')}\n--- log tail ---\n${tail.join('\n')}`);

  let url: string;
  try {
    url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(describeFailure(`no READY line within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      stdout.on('line', (line) => {
        remember(line);
        const match = /^READY (\S+)$/.exec(line.trim());
        if (match) {
          clearTimeout(timer);
          resolveUrl(match[1]!);
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(describeFailure(error.message));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(describeFailure(`exited with ${signal ?? `code ${code}`}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    process.removeListener('exit', killOnExit);
    log?.end();
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    stop(): Promise<void> {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const forced = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
          await exited;
          clearTimeout(forced);
        }
        process.removeListener('exit', killOnExit);
        await new Promise<void>((done) => (log ? log.end(done) : done()));
      })();
      return stopping;
    },
  };
}
