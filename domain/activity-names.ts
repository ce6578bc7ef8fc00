/** Activity type names per resource kind, e.g. aws.vpnConnection → createAwsVpnConnection: readable in the Web UI. */
export function resourceActivityName(verb: 'create' | 'delete', kind: string): string {
  const [cloud = '', resource = ''] = kind.split('.');
  const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return `${verb}${pascal(cloud)}${pascal(resource)}`;
}
