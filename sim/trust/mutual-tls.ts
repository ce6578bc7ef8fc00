/**
 * One mutual-TLS handshake between two workloads over loopback, with node's TLS (OpenSSL)
 * as the judge: each side presents its workload certificate and chain, requires the
 * other's, and verifies it against its own trust bundle only, as two Envoys of a mesh do.
 * Istio names workloads by SPIFFE ID, not host name, so the usual host-name check is left
 * out and each side reports the URI SANs of the peer it accepted.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { spiffeIds } from './chain.ts';

export interface TlsWorkload {
  /** Leaf first, then the chain the workload presents with it. */
  chain: string[];
  keyPem: string;
  /** The roots it trusts. */
  bundle: string[];
}

export interface HandshakeResult {
  ok: boolean;
  /** The client's SPIFFE IDs as the server saw them, once it accepted the client. */
  serverSawClient?: string[];
  /** The server's SPIFFE IDs as the client saw them, once it accepted the server. */
  clientSawServer?: string[];
  /** Why each side gave up, in OpenSSL's words. */
  serverError?: string;
  clientError?: string;
}

const TIMEOUT_MS = 10_000;

export async function mutualTls(server: TlsWorkload, client: TlsWorkload): Promise<HandshakeResult> {
  const result: HandshakeResult = { ok: false };
  const listener = createServer({ key: server.keyPem, cert: server.chain.join('\n'), ca: server.bundle, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' });
  const serverDone = new Promise<void>((resolve) => {
    listener.once('secureConnection', (socket: TLSSocket) => {
      result.serverSawClient = peerIds(socket);
      socket.end('ok');
      resolve();
    });
    listener.once('tlsClientError', (error) => {
      result.serverError = error.message;
      resolve();
    });
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  try {
    const { port } = listener.address() as AddressInfo;
    const clientDone = new Promise<void>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, servername: 'workload.mesh', key: client.keyPem, cert: client.chain.join('\n'), ca: client.bundle, rejectUnauthorized: true, checkServerIdentity: () => undefined });
      socket.once('secureConnect', () => {
        result.clientSawServer = peerIds(socket);
        // The server has accepted (or refused) the client's certificate by the time it answers.
        socket.once('data', () => (socket.end(), resolve()));
        socket.once('end', resolve);
      });
      socket.once('error', (error) => {
        result.clientError = error.message;
        resolve();
      });
      socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`no handshake within ${TIMEOUT_MS} ms`)));
    });
    await Promise.race([Promise.all([serverDone, clientDone]), new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS).unref())]);
  } finally {
    listener.close();
  }
  result.ok = !result.serverError && !result.clientError && result.serverSawClient !== undefined && result.clientSawServer !== undefined;
  return result;
}

function peerIds(socket: TLSSocket): string[] {
  const peer = socket.getPeerX509Certificate();
  return peer ? spiffeIds(peer.toString()) : [];
}
