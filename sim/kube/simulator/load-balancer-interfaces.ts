// What an EKS load balancer leaves in its VPC: a network interface per subnet, which keeps
// the subnet from being deleted until the load balancer is gone (sim/aws/load_balancers.py).
// The load-balancer controller tells Moto when it gives a Service its addresses and when the
// Service goes; a cluster deleted under its Services tells it nothing, so the interfaces stay,
// as the load balancers do on AWS.

export interface LoadBalancerInterfaces {
  attach(service: string, name: string, ips: string[]): Promise<void>;
  detach(service: string): Promise<void>;
}

/** `clusterKey` is the pool's key of the EKS cluster, which Moto maps back to the cluster and its subnets. */
export function motoLoadBalancerInterfaces(awsEndpoint: string, clusterKey: string, log: (line: string) => void): LoadBalancerInterfaces {
  // Service keys are `<namespace>/<name>`; neither part has a dot, and the pool key has none either.
  const url = (service: string) => new URL(`/_sim/load-balancers/${clusterKey}.${service.replace('/', '.')}`, awsEndpoint);
  const send = async (method: 'PUT' | 'DELETE', service: string, body?: object) => {
    const response = await fetch(url(service), { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) }).catch((error: Error) => ({ ok: false, status: 0, text: async () => error.message }));
    if (!response.ok) log(`load balancer ${service}: ${method} of its network interfaces in Moto failed (${response.status}): ${await response.text()}`);
  };
  return {
    attach: (service, name, ips) => send('PUT', service, { cluster: clusterKey, name, ips }),
    detach: (service) => send('DELETE', service),
  };
}
