// The mesh CA: the profile as data, and the certificates it makes, checked both by
// inspectCertificate/verifiesAgainst and independently by the openssl CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import {
  CLOCK_SKEW_MS,
  intermediateSubject,
  intermediateValidity,
  rootSecretName,
  rootSubject,
  type Validity,
} from '../../domain/pki-profile.ts';
import type { KeyType } from '../../domain/mesh-spec.ts';
import { cacertsData, readCacerts, type CacertsData } from '../../activities/pki/cacerts.ts';
import { createRootCa, issueIntermediate, type CaKeyPair } from '../../activities/pki/certificate-authority.ts';
import { inspectCertificate, splitPemBundle, verifiesAgainst, type KeyAlgorithm } from '../../activities/pki/certificate-inspection.ts';
import { pem } from '../../activities/pki/x509.ts';

const DAY_MS = 86_400_000;
/** Whole seconds: X.509 times have no fractions. openssl is pinned to it with -attime. */
const NOW = new Date('2026-01-15T12:00:00Z');
const MESH = 'm1';
const CLUSTERS = ['eks-1', 'aks-1'];

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-pki-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

// --- openssl, the independent judge ------------------------------------------

let files = 0;
function file(content: string): string {
  const path = join(dir, `${++files}.pem`);
  writeFileSync(path, content);
  return path;
}

function openssl(...args: string[]): { ok: boolean; output: string } {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.error) throw result.error;
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

function opensslText(certPem: string): string {
  const result = openssl('x509', '-noout', '-text', '-in', file(certPem));
  assert.ok(result.ok, result.output);
  return result.output;
}

/** openssl verify, strict about X.509 rules, at NOW (or `at`) against the given trusted roots. */
function opensslVerify(certPem: string, rootPems: string[], at = NOW): { ok: boolean; output: string } {
  return openssl('verify', '-x509_strict', '-attime', String(at.getTime() / 1000), '-CAfile', file(rootPems.join('')), file(certPem));
}

function nonRetryable(type: string, message: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof ApplicationFailure, `an ApplicationFailure, got ${String(error)}`);
    assert.equal(error.type, type);
    assert.equal(error.nonRetryable, true);
    assert.match(error.message, message);
    return true;
  };
}

function base64(data: CacertsData): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));
}

// --- the profile (pure) ------------------------------------------------------

test('intermediateValidity keeps inside the root and refuses when less than the minimum remains', () => {
  const days = (n: number) => new Date(NOW.getTime() + n * DAY_MS);
  const root = (from: number, to: number): Validity => ({ notBefore: days(from), notAfter: days(to) });
  const skewed = new Date(NOW.getTime() - CLOCK_SKEW_MS);
  const cases: { what: string; root: Validity; validityDays: number; minimumDays: number; expected: Validity | RegExp }[] = [
    { what: 'plenty of root left', root: root(-1, 3650), validityDays: 365, minimumDays: 90, expected: { notBefore: skewed, notAfter: days(365) } },
    { what: 'clipped to the root', root: root(-1, 100), validityDays: 365, minimumDays: 90, expected: { notBefore: skewed, notAfter: days(100) } },
    { what: 'exactly the minimum left', root: root(-1, 90), validityDays: 365, minimumDays: 90, expected: { notBefore: skewed, notAfter: days(90) } },
    { what: 'root younger than the skew allowance', root: { notBefore: NOW, notAfter: days(3650) }, validityDays: 365, minimumDays: 90, expected: { notBefore: NOW, notAfter: days(365) } },
    { what: 'less than the minimum left', root: root(-1, 89), validityDays: 365, minimumDays: 90, expected: /would live 89 days, less than the minimum of 90; rotate the root/ },
    { what: 'root already expired', root: root(-3650, -1), validityDays: 365, minimumDays: 90, expected: /would live 0 days/ },
  ];
  for (const c of cases) {
    const result = intermediateValidity({ now: NOW, validityDays: c.validityDays, root: c.root, minimumDays: c.minimumDays });
    if (c.expected instanceof RegExp) {
      assert.ok(!result.ok, c.what);
      assert.match(result.reason, c.expected, c.what);
    } else {
      assert.ok(result.ok, c.what);
      assert.deepEqual(result.validity, c.expected, c.what);
      assert.ok(result.validity.notAfter <= c.root.notAfter && result.validity.notBefore >= c.root.notBefore, `${c.what}: inside the root`);
    }
  }
});

test('names follow the conventions: O "cellbridge <mesh>", per-cluster intermediate CN, secret cellbridge/<mesh>/root-ca', () => {
  assert.deepEqual(rootSubject('m1'), { organization: 'cellbridge m1', commonName: 'm1 root CA' });
  assert.deepEqual(intermediateSubject('m1', 'eks-1'), { organization: 'cellbridge m1', commonName: 'eks-1 intermediate CA' });
  assert.equal(rootSecretName('m1'), 'cellbridge/m1/root-ca');
});

// --- certificates, for each key type -----------------------------------------

interface KeyCase {
  keyType: KeyType;
  described: string;
  key: KeyAlgorithm;
  /** How `openssl x509 -text` describes the key and the signature. */
  opensslKey: string;
  opensslSignature: string;
}

const KEY_CASES: KeyCase[] = [
  { keyType: 'ECDSA_P256', described: 'EC P-256', key: { type: 'EC', curve: 'P-256' }, opensslKey: 'Public-Key: (256 bit)', opensslSignature: 'Signature Algorithm: ecdsa-with-SHA256' },
  { keyType: 'RSA_4096', described: 'RSA of 4096 bits', key: { type: 'RSA', bits: 4096 }, opensslKey: 'Public-Key: (4096 bit)', opensslSignature: 'Signature Algorithm: sha256WithRSAEncryption' },
];

for (const { keyType, described, key, opensslKey, opensslSignature } of KEY_CASES) {
  describe(keyType, () => {
    let root: CaKeyPair;
    /** Same mesh name, so the same subject as `root`, but another key. */
    let foreignRoot: CaKeyPair;
    const intermediates = new Map<string, CaKeyPair>();
    const issue = (issuer: CaKeyPair, cluster: string, extra: { validityDays?: number; minimumDays?: number } = {}) =>
      issueIntermediate({ root: issuer, mesh: MESH, cluster, keyType, validityDays: extra.validityDays ?? 365, minimumDays: extra.minimumDays ?? 90, now: NOW });

    before(async () => {
      [root, foreignRoot] = await Promise.all([
        createRootCa({ mesh: MESH, keyType, validityDays: 3650, now: NOW }),
        createRootCa({ mesh: MESH, keyType, validityDays: 3650, now: NOW }),
      ]);
      for (const cluster of CLUSTERS) intermediates.set(cluster, await issue(root, cluster));
    });
    const intermediate = (cluster: string): CaKeyPair => intermediates.get(cluster)!;

    test('the root is critical CA:TRUE with keyCertSign, cRLSign, digitalSignature, an SKI and a SHA-256 signature', () => {
      const text = opensslText(root.certPem);
      for (const line of ['X509v3 Basic Constraints: critical', 'X509v3 Key Usage: critical', 'Digital Signature, Certificate Sign, CRL Sign', 'X509v3 Subject Key Identifier', opensslSignature]) {
        assert.ok(text.includes(line), `openssl shows "${line}":\n${text}`);
      }
      assert.match(text, /CA:TRUE\n/, 'no path length limit on the root');
      assert.doesNotMatch(text, /Subject Alternative Name/);

      const info = inspectCertificate(root.certPem);
      assert.equal(info.subject, 'O=cellbridge m1, CN=m1 root CA');
      assert.equal(info.issuer, info.subject, 'self-signed');
      assert.equal(info.isCa, true);
      assert.equal(info.pathLength, undefined);
      assert.deepEqual(info.keyUsage, ['digitalSignature', 'keyCertSign', 'cRLSign']);
      assert.match(info.subjectKeyId ?? '', /^[0-9a-f]{40}$/);
      assert.deepEqual(info.key, key);
      assert.equal(info.notBefore, new Date(NOW.getTime() - CLOCK_SKEW_MS).toISOString());
      assert.equal(info.notAfter, new Date(NOW.getTime() + 3650 * DAY_MS).toISOString());
      assert.match(info.fingerprintSha256, /^[0-9a-f]{64}$/);
      assert.match(info.serialNumber, /^[0-9a-f]{16,}$/);
      assert.notEqual(info.serialNumber, inspectCertificate(foreignRoot.certPem).serialNumber, 'serials are random');
    });

    test('the keys are PKCS#8 PEM and belong to their certificates (openssl)', () => {
      for (const pair of [root, intermediate('eks-1')]) {
        assert.match(pair.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
        const fromKey = openssl('pkey', '-pubout', '-in', file(pair.keyPem));
        const fromCert = openssl('x509', '-noout', '-pubkey', '-in', file(pair.certPem));
        assert.ok(fromKey.ok && fromCert.ok, fromKey.output + fromCert.output);
        assert.equal(fromKey.output, fromCert.output);
      }
    });

    test(`${keyType} keys really are ${described}, root and intermediates alike`, () => {
      for (const certPem of [root.certPem, ...CLUSTERS.map((c) => intermediate(c).certPem)]) {
        assert.ok(opensslText(certPem).includes(opensslKey));
        assert.deepEqual(inspectCertificate(certPem).key, key);
      }
    });

    test('every cluster gets its own intermediate, and each verifies against the shared root (openssl and verifiesAgainst)', async () => {
      const fingerprints = new Set(CLUSTERS.map((c) => inspectCertificate(intermediate(c).certPem).fingerprintSha256));
      assert.equal(fingerprints.size, CLUSTERS.length);
      for (const cluster of CLUSTERS) {
        const verdict = opensslVerify(intermediate(cluster).certPem, [root.certPem]);
        assert.ok(verdict.ok, `${cluster}: ${verdict.output}`);
        assert.equal(await verifiesAgainst(intermediate(cluster).certPem, [root.certPem], NOW), true, cluster);
      }
    });

    test('an intermediate is critical CA:TRUE pathlen:0 with the istiod SAN, its own SKI and the root SKI as AKI', () => {
      const inter = intermediate('eks-1');
      const text = opensslText(inter.certPem);
      for (const line of ['X509v3 Basic Constraints: critical', 'CA:TRUE, pathlen:0', 'X509v3 Key Usage: critical', 'Digital Signature, Certificate Sign, CRL Sign', 'DNS:istiod.istio-system.svc', opensslSignature]) {
        assert.ok(text.includes(line), `openssl shows "${line}":\n${text}`);
      }
      const info = inspectCertificate(inter.certPem);
      const rootInfo = inspectCertificate(root.certPem);
      assert.equal(info.subject, 'O=cellbridge m1, CN=eks-1 intermediate CA');
      assert.equal(info.issuer, rootInfo.subject);
      assert.equal(info.isCa, true);
      assert.equal(info.pathLength, 0);
      assert.deepEqual(info.keyUsage, ['digitalSignature', 'keyCertSign', 'cRLSign']);
      assert.deepEqual(info.dnsNames, ['istiod.istio-system.svc']);
      assert.equal(info.authorityKeyId, rootInfo.subjectKeyId);
      assert.notEqual(info.subjectKeyId, rootInfo.subjectKeyId);
      assert.equal(info.notAfter, new Date(NOW.getTime() + 365 * DAY_MS).toISOString());
    });

    test('an intermediate longer than the root has left is clipped to the root notAfter, and still verifies', async () => {
      const shortRoot = await createRootCa({ mesh: MESH, keyType, validityDays: 100, now: NOW });
      const clipped = await issue(shortRoot, 'eks-1', { validityDays: 365, minimumDays: 30 });
      assert.equal(inspectCertificate(clipped.certPem).notAfter, inspectCertificate(shortRoot.certPem).notAfter);
      const verdict = opensslVerify(clipped.certPem, [shortRoot.certPem]);
      assert.ok(verdict.ok, verdict.output);
      assert.equal(await verifiesAgainst(clipped.certPem, [shortRoot.certPem], NOW), true);
      await assert.rejects(issue(shortRoot, 'eks-1', { minimumDays: 101 }), nonRetryable('pki.RootExpiring', /intermediate CA of eks-1: .*less than the minimum of 101; rotate the root/));
    });

    test('a tampered intermediate does not verify (openssl and verifiesAgainst)', async () => {
      const der = Buffer.from(splitPemBundle(intermediate('eks-1').certPem)[0]!.replace(/-----[^-]+-----|\s/g, ''), 'base64');
      const at = der.indexOf('eks-1 intermediate CA');
      assert.ok(at > 0);
      der.write('eks-9', at); // same length, so the DER stays well-formed and only the signature is wrong
      const tampered = pem(der, 'CERTIFICATE');
      assert.equal(inspectCertificate(tampered).subject, 'O=cellbridge m1, CN=eks-9 intermediate CA');
      const verdict = opensslVerify(tampered, [root.certPem]);
      assert.ok(!verdict.ok, verdict.output);
      assert.match(verdict.output, /certificate signature failure/);
      assert.equal(await verifiesAgainst(tampered, [root.certPem], NOW), false);
    });

    test('an intermediate of a foreign root with the same name does not verify against the mesh root', async () => {
      const foreign = await issue(foreignRoot, 'eks-1');
      assert.equal(inspectCertificate(foreign.certPem).issuer, inspectCertificate(root.certPem).subject, 'names alone cannot tell them apart');
      const verdict = opensslVerify(foreign.certPem, [root.certPem]);
      assert.ok(!verdict.ok, verdict.output);
      assert.equal(await verifiesAgainst(foreign.certPem, [root.certPem], NOW), false);
      assert.equal(await verifiesAgainst(foreign.certPem, [root.certPem, foreignRoot.certPem], NOW), true, 'one of several issuers suffices');
    });

    test('verifiesAgainst is false before notBefore and after notAfter, as openssl is', async () => {
      const inter = intermediate('eks-1').certPem;
      for (const at of [new Date(NOW.getTime() - DAY_MS), new Date(NOW.getTime() + 366 * DAY_MS)]) {
        assert.equal(await verifiesAgainst(inter, [root.certPem], at), false, at.toISOString());
        assert.ok(!opensslVerify(inter, [root.certPem], at).ok, at.toISOString());
      }
    });

    test('a root key in PKCS#1 or SEC 1 PEM, as a user may supply it, signs intermediates too', async () => {
      const format = keyType === 'RSA_4096' ? 'pkcs1' : 'sec1';
      const legacyKeyPem = createPrivateKey(root.keyPem).export({ type: format, format: 'pem' }).toString();
      assert.match(legacyKeyPem, /^-----BEGIN (RSA|EC) PRIVATE KEY-----/);
      const inter = await issue({ certPem: root.certPem, keyPem: legacyKeyPem }, 'aks-2');
      assert.ok(opensslVerify(inter.certPem, [root.certPem]).ok);
    });

    test('a root whose key does not belong to its certificate issues nothing', async () => {
      await assert.rejects(issue({ certPem: root.certPem, keyPem: foreignRoot.keyPem }, 'eks-1'), /the private key does not belong to the certificate/);
    });

    test('cacertsData gives the four cacerts keys, and readCacerts parses them back from base64', () => {
      const inter = intermediate('eks-1');
      const data = cacertsData({ intermediate: inter, roots: [root.certPem] });
      assert.deepEqual(Object.keys(data).sort(), ['ca-cert.pem', 'ca-key.pem', 'cert-chain.pem', 'root-cert.pem']);
      assert.equal(data['ca-cert.pem'], inter.certPem);
      assert.equal(data['ca-key.pem'], inter.keyPem);
      assert.equal(data['cert-chain.pem'], inter.certPem, 'the chain stops below the root');
      assert.equal(data['root-cert.pem'], root.certPem);
      assert.deepEqual(readCacerts(base64(data)), { intermediate: inter, chain: [inter.certPem], roots: [root.certPem] });
    });

    test('two roots in root-cert.pem (a root rotation) are both parsed, in order, and openssl trusts the bundle', () => {
      const inter = intermediate('aks-1');
      const data = cacertsData({ intermediate: inter, roots: [root.certPem, foreignRoot.certPem] });
      assert.deepEqual(splitPemBundle(data['root-cert.pem']), [root.certPem, foreignRoot.certPem]);
      const { roots } = readCacerts(base64(data));
      assert.deepEqual(
        roots.map((r) => inspectCertificate(r).fingerprintSha256),
        [root, foreignRoot].map((r) => inspectCertificate(r.certPem).fingerprintSha256),
      );
      const verdict = opensslVerify(inter.certPem, [data['root-cert.pem']]);
      assert.ok(verdict.ok, verdict.output);
    });

    test('readCacerts refuses a ca-key.pem that does not belong to ca-cert.pem', () => {
      const data = cacertsData({ intermediate: { certPem: intermediate('eks-1').certPem, keyPem: intermediate('aks-1').keyPem }, roots: [root.certPem] });
      assert.throws(() => readCacerts(base64(data)), /cacerts ca-key\.pem: the private key does not belong to the certificate/);
    });
  });
}

test('readCacerts names every missing key, and what the secret has instead', () => {
  assert.throws(() => readCacerts(undefined), /^Error: cacerts lacks ca-cert\.pem, ca-key\.pem, root-cert\.pem, cert-chain\.pem \(it has no data\)$/);
  const partial = { 'ca-cert.pem': 'eA==', 'root-cert.pem': 'eA==', 'tls.crt': 'eA==' };
  assert.throws(() => readCacerts(partial), /^Error: cacerts lacks ca-key\.pem, cert-chain\.pem \(it has ca-cert\.pem, root-cert\.pem, tls\.crt\)$/);
});

test('readCacerts says which key holds no certificate', () => {
  const data = { 'ca-cert.pem': 'bm90IGEgY2VydA==', 'ca-key.pem': 'eA==', 'root-cert.pem': 'eA==', 'cert-chain.pem': 'eA==' };
  assert.throws(() => readCacerts(data), /^Error: cacerts ca-cert\.pem holds no PEM certificate$/);
});

test('cacertsData refuses an empty root list', () => {
  assert.throws(() => cacertsData({ intermediate: { certPem: '', keyPem: '' }, roots: [] }), /at least one root certificate/);
});
