/**
 * A TLS-secured Temporal for tests: the dev server on a plain loopback port behind a real Envoy
 * that terminates TLS and passes gRPC over HTTP/2 to it: one port requires a client certificate
 * from one CA (mutual TLS), another an API key as a bearer token. Certificates are made by openssl in the test's directory.
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

/** Three CAs (server, client, rogue) and their leaves, as `dir/<name>.pem` and `dir/<name>-key.pem`. */
export function makePki(dir: string): Pki {
  for (const name of ['server-ca', 'client-ca', 'rogue-ca']) {
    openssl(dir, 'req', '-x509', ...EC, '-keyout', `${name}-key.pem`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  }
  leaf(dir, 'server', 'server-ca', `subjectAltName=DNS:${SERVER_NAME}\nextendedKeyUsage=serverAuth\n`);
  const client = issueClientCert(dir, 'client');
  const rogue = leaf(dir, 'rogue', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
  const at = (file: string) => join(dir, file);
  return {
    serverCa: at('server-ca.pem'), serverCert: at('server.pem'), serverKey: at('server-key.pem'),
    clientCa: at('client-ca.pem'), clientCert: client.cert, clientKey: client.key,
    rogueCert: rogue.cert, rogueKey: rogue.key,
  };
}

/** A client pair with subject CN=<name>, signed by the CA Envoy trusts. */
export function issueClientCert(dir: string, name: string): { cert: string; key: string } {
  return leaf(dir, name, 'client-ca', 'extendedKeyUsage=clientAuth\n');
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function leaf(dir: string, name: string, signer: string, ext: string): { cert: string; key: string } {
  openssl(dir, 'req', ...EC, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.pem`, '-CAkey', `${signer}-key.pem`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
}

export interface TlsTemporal {
  /** Envoy's mutual TLS port. */
  address: string;
  /** Envoy's TLS port that lets through only requests bearing one of the API keys (no client certificate). */
  apiKeyAddress: string;
  /** Envoy's access log: one line per request as it starts, `<client certificate subject> <route> <gRPC method path>`; the route of an API key request is `key-<n>` (n from 1, in the order given). */
  accessLog: string;
  stop(): Promise<void>;
}

export async function startTlsTemporal(dir: string, pki: Pki, apiKeys: string[]): Promise<TlsTemporal> {
  const [plainPort, tlsPort, apiKeyPort] = [await freePort(), await freePort(), await freePort()];
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
    const accessLog = join(dir, 'envoy-access.log');
    const passAll = [{ name: 'any', match: { prefix: '/' }, route: { cluster: 'temporal', timeout: '0s' } }];
    const byKey = [
      ...apiKeys.map((key, i) => ({ name: `key-${i + 1}`, match: { prefix: '/', headers: [{ name: 'authorization', string_match: { exact: `Bearer ${key}` } }] }, route: { cluster: 'temporal', timeout: '0s' } })),
      { name: 'no-key', match: { prefix: '/' }, direct_response: { status: 401 } },
    ];
    writeFileSync(config, JSON.stringify({
      static_resources: {
        listeners: [listener('mtls', tlsPort, pki, true, passAll, accessLog), listener('api_key', apiKeyPort, pki, false, byKey, accessLog)],
        clusters: [plainTemporal(plainPort)],
      },
    }));
    processes.push(await startProcess({
      name: 'envoy', command: ENVOY_BIN, logFile: join(dir, 'envoy.log'),
      // The access log is a test's evidence: written within 50 ms, not Envoy's default second.
      args: ['-c', config, '--disable-hot-restart', '--log-level', 'warn', '--file-flush-interval-msec', '50'],
    }));
    await waitForPort(tlsPort);
    await waitForPort(apiKeyPort);
    return { address: `127.0.0.1:${tlsPort}`, apiKeyAddress: `127.0.0.1:${apiKeyPort}`, accessLog, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const loopback = (port: number) => ({ socket_address: { address: '127.0.0.1', port_value: port } });

/** A TLS listener (JSON is YAML) passing gRPC on to Temporal by `routes`; with `requireClientCertificate`, only from the client CA. */
function listener(name: string, port: number, pki: Pki, requireClientCertificate: boolean, routes: object[], accessLog: string): object {
  return {
    name,
    address: loopback(port),
    filter_chains: [{
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
          require_client_certificate: requireClientCertificate,
          common_tls_context: {
            alpn_protocols: ['h2'],
            tls_certificates: [{ certificate_chain: { filename: pki.serverCert }, private_key: { filename: pki.serverKey } }],
            ...(requireClientCertificate ? { validation_context: { trusted_ca: { filename: pki.clientCa } } } : {}),
          },
        },
      },
      filters: [{
        name: 'envoy.filters.network.http_connection_manager',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
          stat_prefix: name,
          codec_type: 'HTTP2',
          // Workers long-poll for a minute: no idle or route timeout may cut those calls.
          stream_idle_timeout: '0s',
          access_log: [{
            name: 'envoy.access_loggers.file',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
              path: accessLog,
              log_format: { text_format_source: { inline_string: '%DOWNSTREAM_PEER_SUBJECT% %ROUTE_NAME% %REQ(:PATH)%\n' } },
            },
          }],
          // Long polls end a minute later: log each request as it starts.
          access_log_options: { flush_access_log_on_new_request: true },
          route_config: { virtual_hosts: [{ name: 'temporal', domains: ['*'], routes }] },
          http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
        },
      }],
    }],
  };
}

/** The dev server's plain port, spoken to over HTTP/2. */
function plainTemporal(port: number): object {
  return {
    name: 'temporal',
    type: 'STATIC',
    connect_timeout: '5s',
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
    load_assignment: { cluster_name: 'temporal', endpoints: [{ lb_endpoints: [{ endpoint: { address: loopback(port) } }] }] },
  };
}
