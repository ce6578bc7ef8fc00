import { randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Stack ports come from below the OS's ephemeral range. A port the OS picked (port 0)
 * is free only until someone else binds it, and the OS hands the same range to every
 * outgoing connection and to Temporal's own internal services: one of those took a
 * stack's port between the check and its use, and that stack never started.
 */
const LOWEST = 10_000;
const EPHEMERAL_START = ephemeralStart();

function ephemeralStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > LOWEST + 1_000 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * Ports handed out by any process on this machine, one file each holding the pid that
 * took it. A port that is free now may be given to two stacks starting side by side (the
 * test runner starts several) before either binds it; the file makes the pick exclusive
 * until the process that took it ends.
 */
const RESERVATIONS = join(tmpdir(), 'cellbridge-ports');
const reserved = new Set<string>();
process.once('exit', () => {
  for (const file of reserved) rmSync(file, { force: true });
});

/** A port free on loopback right now, outside the ports the OS hands out by itself, and taken by no other process's pick. */
export async function freePort(): Promise<number> {
  mkdirSync(RESERVATIONS, { recursive: true });
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = randomInt(LOWEST, EPHEMERAL_START);
    if (reserve(port) && (await canListen(port))) return port;
  }
  throw new Error(`no free port between ${LOWEST} and ${EPHEMERAL_START} after 200 tries`);
}

function reserve(port: number): boolean {
  const file = join(RESERVATIONS, String(port));
  if (reserved.has(file)) return false;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      reserved.add(file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (alive(Number(readFileSync(file, 'utf8')))) return false;
      // The process that took it has ended without cleaning up (killed): the port is free to take.
      rmSync(file, { force: true });
    }
  }
  return false;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => (socket.end(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}
