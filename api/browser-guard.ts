/**
 * Without a token (CELLBRIDGE_INSECURE_NO_AUTH=1, loopback only), nothing but the
 * network address protects the API, and a browser on the same machine can reach
 * loopback: a page of another origin could POST a spec, and a DNS-rebinding page
 * (evil.example resolving to 127.0.0.1) is even same-origin with the API. So in that
 * mode a request must be addressed to a loopback host name, and a request that changes
 * something and carries an Origin (browsers send one) must come from the API's own origin.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why the Host header is refused, or undefined if it names a loopback host. */
export function hostRefusal(host: string | undefined): string | undefined {
  const hostname = host === undefined ? undefined : parseHost(host);
  if (hostname !== undefined && LOOPBACK_HOSTS.has(hostname)) return undefined;
  return `without a token the API only answers requests addressed to a loopback host (127.0.0.1, localhost, [::1]), not ${JSON.stringify(host ?? '')}`;
}

/** Why a mutating request's Origin is refused, or undefined if it has none (not a browser) or is the API's own origin. */
export function originRefusal(origin: string | undefined, host: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  if (host !== undefined && origin === `http://${host}`) return undefined;
  return `without a token the API refuses changes requested by a web page of another origin (${JSON.stringify(origin)})`;
}

function parseHost(host: string): string | undefined {
  try {
    const url = new URL(`http://${host}`);
    return url.host === host || url.host === host.toLowerCase() ? url.hostname : undefined;
  } catch {
    return undefined;
  }
}
