/**
 * A read-only OCI registry over TLS on loopback, serving the packaged charts of a Helm
 * chart repository folder (*.tgz) as Helm stores charts in a registry: per chart a manifest
 * tagged with its version, a config blob (the Chart.yaml as JSON, mediaType
 * application/vnd.cncf.helm.config.v1+json) and one layer (the .tgz, application/vnd.cncf.helm.chart.content.v1.tar+gzip),
 * under `<prefix>/<chart>`. Only what `helm pull oci://` reads: manifests and blobs by GET
 * or HEAD. It stands in for an OCI source such as oci://gcr.io/istio-release/charts.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { JSON_SCHEMA, load } from 'js-yaml';
import type { TlsFiles } from '../../sim/tls.ts';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const CONFIG = 'application/vnd.cncf.helm.config.v1+json';
const LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

export interface OciRegistry {
  /** `oci://127.0.0.1:<port>/<prefix>`: where the charts are, by name. */
  reference: string;
  stop(): Promise<void>;
}

export async function serveChartsAsOci(repoDir: string, prefix: string, tls: TlsFiles): Promise<OciRegistry> {
  const blobs = new Map<string, { type: string; body: Buffer }>();
  const tags = new Map<string, string>();
  const digest = (body: Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;
  const blob = (type: string, body: Buffer) => (blobs.set(digest(body), { type, body }), { mediaType: type, digest: digest(body), size: body.length });
  for (const file of readdirSync(repoDir).filter((f) => f.endsWith('.tgz'))) {
    const archive = readFileSync(join(repoDir, file));
    const entry = execFileSync('tar', ['-tzf', join(repoDir, file)], { encoding: 'utf8' }).split('\n').find((p) => /^[^/]+\/Chart\.yaml$/.test(p))!;
    const chart = load(execFileSync('tar', ['-xzOf', join(repoDir, file), entry], { encoding: 'utf8' }), { schema: JSON_SCHEMA }) as { name: string; version: string };
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: blob(CONFIG, Buffer.from(JSON.stringify(chart))), layers: [blob(LAYER, archive)] }));
    blob(MANIFEST, manifest);
    tags.set(`${prefix}/${chart.name}:${chart.version}`, digest(manifest));
  }
  const server = createServer({ cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) }, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://registry').pathname;
    const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    const wanted = manifest ? (manifest[2]!.startsWith('sha256:') ? manifest[2] : tags.get(`${manifest[1]}:${manifest[2]}`)) : /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path)?.[1];
    const found = wanted ? blobs.get(wanted) : undefined;
    if (!found || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: manifest ? 'MANIFEST_UNKNOWN' : 'BLOB_UNKNOWN', message: 'unknown' }] }));
      return;
    }
    res.writeHead(200, { 'content-type': found.type, 'docker-content-digest': wanted!, 'content-length': found.body.length });
    res.end(req.method === 'HEAD' ? undefined : found.body);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { reference: `oci://127.0.0.1:${port}/${prefix}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
