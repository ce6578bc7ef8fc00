// A private CA and a loopback server certificate for the emulators. The Azure SDK's
// bearer-token policy refuses plain http, so the ARM emulator must speak TLS; clients
// trust the CA with NODE_EXTRA_CA_CERTS=<caPath> set before node starts.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TlsFiles {
  caPath: string;
  certPath: string;
  keyPath: string;
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FILES = { ca: 'ca.pem', caKey: 'ca-key.pem', cert: 'server.pem', key: 'server-key.pem' } as const;

export function ensureTls(dir: string = join(REPO_ROOT, '.stack', 'tls')): TlsFiles {
  const files: TlsFiles = {
    caPath: join(dir, FILES.ca),
    certPath: join(dir, FILES.cert),
    keyPath: join(dir, FILES.key),
  };
  if (isComplete(dir)) return files;

  // Generate beside the target and move it in whole, so concurrent callers (tests and
  // the stack starting together) never see a CA from one run and a cert from another.
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = mkdtempSync(`${dir}.tmp-`);
  chmodSync(tmp, 0o755); // mkdtemp makes it private; the CA must be readable by every client
  try {
    generate(tmp);
    try {
      renameSync(tmp, dir);
    } catch {
      if (!isComplete(dir)) {
        // The directory exists but is empty or partial (not a concurrent winner).
        mkdirSync(dir, { recursive: true });
        for (const name of [FILES.caKey, FILES.key, FILES.cert, FILES.ca]) renameSync(join(tmp, name), join(dir, name));
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return files;
}

function isComplete(dir: string): boolean {
  return Object.values(FILES).every((name) => existsSync(join(dir, name)));
}

function generate(dir: string): void {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', FILES.caKey, '-out', FILES.ca, '-days', '3650',
    '-subj', '/CN=cellbridge proving-ground CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', ...ec, '-keyout', FILES.key, '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'server.ext'), [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
  ].join('\n'));
  // 825 days: the longest validity some TLS clients accept for a server certificate.
  openssl('x509', '-req', '-in', 'server.csr', '-CA', FILES.ca, '-CAkey', FILES.caKey,
    '-set_serial', `0x${Date.now().toString(16)}`, '-days', '825', '-extfile', 'server.ext', '-out', FILES.cert);
  for (const name of readdirSync(dir)) {
    if (!Object.values(FILES).includes(name as (typeof FILES)[keyof typeof FILES])) rmSync(join(dir, name));
  }
}
