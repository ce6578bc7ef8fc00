// A name server over a hosts(5) file: the proving ground's stand-in for the clouds' DNS,
// which answers for their load balancers' names (the kube pool publishes each EKS load
// balancer's hostname and addresses in its hosts file). A queries are answered from the
// file as it is at that moment; every other name is NXDOMAIN, since nothing here reaches
// the internet. UDP only: the answers are a few addresses.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import * as dnsPacket from 'dns-packet';

export interface HostsDns {
  /** `<address>:<port>`, as a resolver's server list takes it. */
  server: string;
  stop(): Promise<void>;
}

const NXDOMAIN = 3;
const TTL_SECONDS = 5;

/** `address` may be any of 127.0.0.0/8 (all loopback on Linux): a resolver that only takes port 53 (resolv.conf's) gets an address of its own. */
export async function startHostsDns(hostsPath: string, port = 0, address = '127.0.0.1'): Promise<HostsDns> {
  const socket = createSocket('udp4');
  socket.on('message', (message, peer) => {
    const reply = answer(message, hostsPath);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve());
  });
  return { server: `${address}:${socket.address().port}`, stop: () => close(socket) };
}

/** The reply to one query, or nothing for a packet that is not one. */
function answer(message: Buffer, hostsPath: string): Buffer | undefined {
  let query: dnsPacket.Packet;
  try {
    query = dnsPacket.decode(message);
  } catch {
    return undefined;
  }
  if (query.type !== 'query' || !query.questions?.length) return undefined;
  const names = readHosts(hostsPath);
  const answers: dnsPacket.Answer[] = [];
  let known = true;
  for (const question of query.questions) {
    const ips = names.get(normalize(question.name));
    if (!ips) known = false;
    else if (question.type === 'A') answers.push(...ips.map((ip): dnsPacket.Answer => ({ type: 'A', name: question.name, ttl: TTL_SECONDS, data: ip })));
  }
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | (known ? 0 : NXDOMAIN);
  return dnsPacket.encode({ id: query.id ?? 0, type: 'response', flags, questions: query.questions, answers });
}

/** name → IPv4 addresses; a missing file names nothing. */
function readHosts(path: string): Map<string, string[]> {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return new Map();
  }
  const names = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [ip, ...hostnames] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!ip || !/^\d+\.\d+\.\d+\.\d+$/.test(ip)) continue;
    for (const name of hostnames) names.set(normalize(name), [...(names.get(normalize(name)) ?? []), ip]);
  }
  return names;
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function close(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}
