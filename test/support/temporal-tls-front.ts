/**
 * A TLS-secured Temporal for tests: the dev server on a plain loopback port behind a real Envoy
 * that terminates TLS (and requires a client certificate from one CA) and passes gRPC over
 * HTTP/2 to it. Certificates are made by openssl in the test's directory.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type RunningProcess } from '../../sim/child-process.ts';
import { freePort, waitForPort } from '../../sim/ports.ts';
import { ENVOY_BIN, TEMPORAL_BIN } from '../../sim/setup.ts';

export const SERVER_NAME = 'temporal.cellbridge.test';

export interface Pki {
  serverCa: string;
  serverCert: string;
  serverKey: string;
  clientCa: string;
  clientCert: string;
  clientKey: string;
  /** A client pair from a CA Envoy does not trust. */
  rogueCert: string;
  rogueKey: string;
}

/** One openssl CA and a leaf it signs; `dir/<name>.pem`, `dir/<name>-key.pem`. */
export function makePki(dir: string): Pki {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string) => openssl('req', '-x509', ...ec, '-keyout', `${name}-key.pem`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const leaf = (name: string, signer: string, ext: string) => {
    openssl('req', ...ec, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.pem`, '-CAkey', `${signer}-key.pem`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  for (const name of ['server-ca', 'client-ca', 'rogue-ca']) ca(name);
  leaf('server', 'server-ca', `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\n`);
  leaf('client', 'client-ca', 'extendedKeyUsage=clientAuth\n');
  leaf('rogue', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
  const at = (file: string) => join(dir, file);
  return {
    serverCa: at('server-ca.pem'), serverCert: at('server.pem'), serverKey: at('server-key.pem'),
    clientCa: at('client-ca.pem'), clientCert: at('client.pem'), clientKey: at('client-key.pem'),
    rogueCert: at('rogue.pem'), rogueKey: at('rogue-key.pem'),
  };
}

export interface TlsTemporal {
  /** Envoy's TLS port: what the product is configured with. */
  address: string;
  stop(): Promise<void>;
}

export async function startTlsTemporal(dir: string, pki: Pki): Promise<TlsTemporal> {
  const [plainPort, tlsPort] = [await freePort(), await freePort()];
  const processes: RunningProcess[] = [];
  const stop = async () => {
    for (const process of processes.reverse()) await process.stop();
  };
  try {
    processes.push(await startProcess({
      name: 'temporal', command: TEMPORAL_BIN, logFile: join(dir, 'temporal.log'),
      args: ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(plainPort), '--headless', '--log-level', 'warn',
        '--search-attribute', 'CellbridgeMesh=Keyword', '--search-attribute', 'CellbridgePhase=Keyword'],
    }));
    await waitForPort(plainPort);
    const config = join(dir, 'envoy.yaml');
    writeFileSync(config, envoyConfig(tlsPort, plainPort, pki));
    processes.push(await startProcess({
      name: 'envoy', command: ENVOY_BIN, logFile: join(dir, 'envoy.log'),
      args: ['-c', config, '--disable-hot-restart', '--log-level', 'warn'],
    }));
    await waitForPort(tlsPort);
    return { address: `127.0.0.1:${tlsPort}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** JSON is YAML: the TLS listener (client certificate required, from the client CA only) and the plain HTTP/2 upstream. */
function envoyConfig(tlsPort: number, plainPort: number, pki: Pki): string {
  const address = (port: number) => ({ socket_address: { address: '127.0.0.1', port_value: port } });
  return JSON.stringify({
    static_resources: {
      listeners: [{
        name: 'temporal_tls',
        address: address(tlsPort),
        filter_chains: [{
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
              require_client_certificate: true,
              common_tls_context: {
                alpn_protocols: ['h2'],
                tls_certificates: [{ certificate_chain: { filename: pki.serverCert }, private_key: { filename: pki.serverKey } }],
                validation_context: { trusted_ca: { filename: pki.clientCa } },
              },
            },
          },
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: 'temporal',
              codec_type: 'HTTP2',
              // Workers long-poll for a minute: no idle or route timeout may cut those calls.
              stream_idle_timeout: '0s',
              route_config: { virtual_hosts: [{ name: 'temporal', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'temporal', timeout: '0s' } }] }] },
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
            },
          }],
        }],
      }],
      clusters: [{
        name: 'temporal',
        type: 'STATIC',
        connect_timeout: '5s',
        typed_extension_protocol_options: {
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
            explicit_http_config: { http2_protocol_options: {} },
          },
        },
        load_assignment: { cluster_name: 'temporal', endpoints: [{ lb_endpoints: [{ endpoint: { address: address(plainPort) } }] }] },
      }],
    },
  });
}
