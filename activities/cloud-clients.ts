/**
 * SDK clients, built once per region or subscription. Endpoints and credentials come
 * from configuration, so the same code talks to the real clouds or to the proving
 * ground's emulators.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/core-auth';

export interface CloudConfig {
  aws: { endpoint?: string; requestTimeoutMs: number };
  azure: { endpoint?: string; credential: TokenCredential };
}

export interface CloudClients {
  ec2(region: string): EC2Client;
  network(subscriptionId: string): NetworkManagementClient;
  resources(subscriptionId: string): ResourceManagementClient;
}

export function createCloudClients(config: CloudConfig): CloudClients {
  const memo = <T>(make: (key: string) => T) => {
    const cache = new Map<string, T>();
    return (key: string) => {
      let client = cache.get(key);
      if (!client) cache.set(key, (client = make(key)));
      return client;
    };
  };
  const azureOptions = config.azure.endpoint ? { endpoint: config.azure.endpoint } : {};
  return {
    ec2: memo((region) => new EC2Client({ region, endpoint: config.aws.endpoint, requestHandler: { requestTimeout: config.aws.requestTimeoutMs } })),
    network: memo((subscription) => new NetworkManagementClient(config.azure.credential, subscription, azureOptions)),
    resources: memo((subscription) => new ResourceManagementClient(config.azure.credential, subscription, azureOptions)),
  };
}
