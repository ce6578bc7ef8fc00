// The kubeconfig AKS hands out from listClusterAdminCredential / listClusterUserCredential,
// laid out as AKS lays it out. Its server is the kube pool's loopback endpoint: the one
// place the emulator departs from the cluster's public fqdn, which resolves nowhere.

/** Client certificate of the cluster's CA, or Entra ID through kubelogin (local accounts disabled). */
export type KubeconfigUser =
  | { kind: 'certificate'; certPem: string; keyPem: string }
  | { kind: 'entra'; tenantId: string };

export interface KubeconfigInput {
  clusterName: string;
  resourceGroup: string;
  /** `clusterAdmin` or `clusterUser`: names the user and, for admins, the context. */
  role: 'clusterAdmin' | 'clusterUser';
  server: string;
  caPem: string;
  user: KubeconfigUser;
}

/** AKS's well-known Entra server application (the audience of kubelogin's tokens). */
const AKS_AAD_SERVER_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
/** The Azure CLI's public client id, which kubelogin uses for device-code login. */
const AZURE_CLI_CLIENT_ID = '80faf920-1908-4b52-b5ef-a8e7bedfc67a';

export function kubeconfigYaml(k: KubeconfigInput): string {
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  // JSON strings are valid YAML scalars, and quoting keeps odd group names safe.
  const q = JSON.stringify;
  const userName = `${k.role}_${k.resourceGroup}_${k.clusterName}`;
  const context = k.role === 'clusterAdmin' ? `${k.clusterName}-admin` : k.clusterName;
  const user = k.user.kind === 'certificate'
    ? [
      `    client-certificate-data: ${b64(k.user.certPem)}`,
      `    client-key-data: ${b64(k.user.keyPem)}`,
    ]
    : [
      '    exec:',
      '      apiVersion: client.authentication.k8s.io/v1beta1',
      '      command: kubelogin',
      '      args:',
      ...['get-token', '--environment', 'AzurePublicCloud', '--server-id', AKS_AAD_SERVER_ID,
        '--client-id', AZURE_CLI_CLIENT_ID, '--tenant-id', k.user.tenantId, '--login', 'devicecode']
        .map((a) => `      - ${q(a)}`),
      '      provideClusterInfo: false',
    ];
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${b64(k.caPem)}`,
    `    server: ${q(k.server)}`,
    `  name: ${q(k.clusterName)}`,
    'contexts:',
    '- context:',
    `    cluster: ${q(k.clusterName)}`,
    `    user: ${q(userName)}`,
    `  name: ${q(context)}`,
    `current-context: ${q(context)}`,
    'kind: Config',
    'preferences: {}',
    'users:',
    `- name: ${q(userName)}`,
    '  user:',
    ...user,
    '',
  ].join('\n');
}
