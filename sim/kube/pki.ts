// One cluster's PKI, as a managed cluster has it: its own CA (CN "kubernetes", as EKS and
// AKS name theirs), a serving certificate for loopback, a `system:masters` client
// certificate, and the service-account signing key. Made with the openssl CLI, as
// sim/tls.ts does, because node:crypto cannot issue X.509 certificates.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The pool's own client identity on every cluster; `system:masters` bypasses RBAC. */
export const ADMIN_SUBJECT = '/O=system:masters/CN=cellbridge-sim';

export interface ClusterPki {
  caPath: string;
  caPem: string;
  certPath: string;
  keyPath: string;
  adminCertPath: string;
  adminKeyPath: string;
  adminCertPem: string;
  adminKeyPem: string;
  serviceAccountKeyPath: string;
  serviceAccountPublicKeyPath: string;
}

export async function makeClusterPki(dir: string): Promise<ClusterPki> {
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const pki: ClusterPki = {
    caPath: file('ca.pem'),
    caPem: '',
    certPath: file('server.pem'),
    keyPath: file('server-key.pem'),
    adminCertPath: file('admin.pem'),
    adminKeyPath: file('admin-key.pem'),
    adminCertPem: '',
    adminKeyPem: '',
    serviceAccountKeyPath: file('sa-key.pem'),
    serviceAccountPublicKeyPath: file('sa.pem'),
  };
  // `-config /dev/null`: the system openssl.cnf would add CA:TRUE to every `req -x509` certificate.
  const issue = (out: string, key: string, subject: string, extensions: string[], signer: string[]) =>
    run('openssl', ['req', '-x509', '-config', '/dev/null', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', out, '-subj', subject, '-days', '3650', '-set_serial', `0x${randomBytes(16).toString('hex')}`,
      ...signer, ...extensions.flatMap((e) => ['-addext', e])]);
  await issue(pki.caPath, file('ca-key.pem'), '/CN=kubernetes', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'], []);
  const byCa = ['-CA', pki.caPath, '-CAkey', file('ca-key.pem')];
  const leaf = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature'];
  await Promise.all([
    issue(pki.certPath, pki.keyPath, '/CN=kube-apiserver', [...leaf, 'extendedKeyUsage=serverAuth', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], byCa),
    issue(pki.adminCertPath, pki.adminKeyPath, ADMIN_SUBJECT, [...leaf, 'extendedKeyUsage=clientAuth'], byCa),
  ]);
  const serviceAccount = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(pki.serviceAccountKeyPath, serviceAccount.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(pki.serviceAccountPublicKeyPath, serviceAccount.publicKey.export({ type: 'spki', format: 'pem' }));
  return {
    ...pki,
    caPem: readFileSync(pki.caPath, 'utf8'),
    adminCertPem: readFileSync(pki.adminCertPath, 'utf8'),
    adminKeyPem: readFileSync(pki.adminKeyPath, 'utf8'),
  };
}
