// One cloud network (an EKS cell's VPC, an AKS cell's VNet) as a Linux network namespace,
// so that the proxies of one cell share an address space that no other cell can reach
// except where a backbone link routes it (backbone.ts). Inside: loopback with the
// addresses of the cell's proxies and load balancers, and `eth0`, a veth to the host.
// The host end is the cell's way to its control plane: istiod runs on the host's loopback
// and is reached through a forwarder on the host end (tcp-forward.ts), under the name
// pods use for it (`/etc/netns/<name>/hosts`, which `ip netns exec` mounts as /etc/hosts).
// The host does not forward between interfaces (net.ipv4.ip_forward stays as it is), so a
// namespace reaches nothing of the host but that address.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Host links take /30s of 100.64.0.0/16 (shared address space, RFC 6598): clear of every range a mesh spec may use. */
const HOST_LINK_PREFIX = '100.64';
const HOST_LINKS = 16_384;

export async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args)).stdout;
}

export class CloudNetwork {
  /** The namespace's name, as `ip netns` knows it. */
  readonly name: string;
  /** The host end of eth0: where pods reach the control plane. */
  readonly hostAddress: string;
  /** The namespace's end of eth0: where the host reaches the pods' status and admin ports. */
  readonly address: string;
  private readonly hostLink: string;
  private readonly addresses = new Set<string>();
  private readonly hostNames = new Map<string, string>();

  private constructor(name: string, link: number) {
    this.name = name;
    this.hostLink = `${name}h`;
    const base = link * 4;
    const prefix = `${HOST_LINK_PREFIX}.${base >> 8}`;
    this.hostAddress = `${prefix}.${(base & 255) + 1}`;
    this.address = `${prefix}.${(base & 255) + 2}`;
  }

  /** The namespace of `owner` (a pool directory and cluster key), made anew: a leftover of the same name is removed first. */
  static async create(owner: string): Promise<CloudNetwork> {
    const digest = createHash('sha256').update(owner).digest();
    // Interface names are at most 15 characters: `cb` + 10 hex + `h`.
    const name = `cb${digest.toString('hex').slice(0, 10)}`;
    await remove(name);
    const taken = await hostLinks();
    let link = digest.readUInt32BE(8) % HOST_LINKS;
    while (taken.has(link)) link = (link + 1) % HOST_LINKS;
    const network = new CloudNetwork(name, link);
    await ip('netns', 'add', name);
    await ip('-n', name, 'link', 'set', 'lo', 'up');
    await ip('link', 'add', network.hostLink, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name);
    await ip('addr', 'add', `${network.hostAddress}/30`, 'dev', network.hostLink);
    await ip('link', 'set', network.hostLink, 'up');
    await ip('-n', name, 'addr', 'add', `${network.address}/30`, 'dev', 'eth0');
    await ip('-n', name, 'link', 'set', 'eth0', 'up');
    network.writeHosts();
    return network;
  }

  /** `ip netns exec` for a command that runs inside. */
  exec(command: string, args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.name, command, ...args]];
  }

  /** An address of this network (a pod's, a load balancer's), on the namespace's loopback. */
  async addAddress(address: string): Promise<void> {
    if (this.addresses.has(address)) return;
    await ip('-n', this.name, 'addr', 'replace', `${address}/32`, 'dev', 'lo');
    this.addresses.add(address);
  }

  /**
   * The host routes `address` (a pod's) into this namespace, so the cluster's API server,
   * on the host, reaches the pod as its pod proxy does on a real cluster. Routes go with
   * the host link when the namespace is deleted. Two pools on one machine whose pods share
   * an address would take the route from each other.
   */
  async routeFromHost(address: string): Promise<void> {
    await ip('route', 'replace', `${address}/32`, 'via', this.address, 'dev', this.hostLink);
  }

  async unrouteFromHost(address: string): Promise<void> {
    await ip('route', 'del', `${address}/32`, 'via', this.address, 'dev', this.hostLink).catch(() => undefined);
  }

  async removeAddress(address: string): Promise<void> {
    if (!this.addresses.delete(address)) return;
    await ip('-n', this.name, 'addr', 'del', `${address}/32`, 'dev', 'lo').catch(() => undefined);
  }

  /** A name pods resolve to the host end (the control plane's service names). */
  nameHost(hostname: string): void {
    this.hostNames.set(hostname, this.hostAddress);
    this.writeHosts();
  }

  async destroy(): Promise<void> {
    await remove(this.name);
  }

  private writeHosts(): void {
    const dir = join('/etc/netns', this.name);
    mkdirSync(dir, { recursive: true });
    const lines = ['127.0.0.1 localhost', ...[...this.hostNames].map(([hostname, address]) => `${address} ${hostname}`)];
    writeFileSync(join(dir, 'hosts'), `${lines.join('\n')}\n`);
  }
}

/** Deleting a namespace deletes its veths, and with them their host ends. */
async function remove(name: string): Promise<void> {
  await ip('netns', 'del', name).catch(() => undefined);
  rmSync(join('/etc/netns', name), { recursive: true, force: true });
}

/** The /30s of 100.64.0.0/16 some interface of the host already holds (another pool's networks). */
async function hostLinks(): Promise<Set<number>> {
  const out = await ip('-4', '-o', 'addr', 'show');
  const links = new Set<number>();
  for (const match of out.matchAll(/inet 100\.64\.(\d+)\.(\d+)\//g)) links.add(((Number(match[1]) << 8) | Number(match[2])) >> 2);
  return links;
}
