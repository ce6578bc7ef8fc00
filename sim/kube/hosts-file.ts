// The names the simulated clouds' DNS would answer for the pool's load balancers (EKS
// load-balancer hostnames), as one hosts(5) file for the whole pool: what runs beside the
// clusters (an istiod that resolves a peer cluster's east-west gateway hostname) reads it
// instead of a DNS server. Rewritten atomically on every change.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class HostsFile {
  private readonly entries = new Map<string, { hostname: string; ips: string[] }>();
  readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, 'hosts');
    this.write();
  }

  /** `owner` (e.g. `<cluster key>/<namespace>/<service>`) publishes `hostname` → `ips`. */
  set(owner: string, hostname: string, ips: string[]): void {
    const before = this.entries.get(owner);
    if (before?.hostname === hostname && before.ips.join() === ips.join()) return;
    this.entries.set(owner, { hostname, ips });
    this.write();
  }

  /** Removes what `owner` published, or everything under `prefix/` with `prefix` ending in `/`. */
  delete(owner: string): void {
    const gone = [...this.entries.keys()].filter((key) => (owner.endsWith('/') ? key.startsWith(owner) : key === owner));
    gone.forEach((key) => this.entries.delete(key));
    if (gone.length) this.write();
  }

  /** hostname → addresses, for an answer over HTTP. */
  lookup(hostname: string): string[] {
    return [...this.entries.values()].filter((e) => e.hostname === hostname).flatMap((e) => e.ips);
  }

  private write(): void {
    const lines = [...this.entries.values()].flatMap(({ hostname, ips }) => ips.map((ip) => `${ip} ${hostname}`));
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, `# load-balancer names of the kube pool's clusters (sim/README.md)\n${lines.join('\n')}${lines.length ? '\n' : ''}`);
    renameSync(temporary, this.path);
  }
}
