/**
 * SDK clients, built once per region or subscription. Endpoints and credentials come
 * from configuration, so the same code talks to the real clouds or to the proving
 * ground's emulators.
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/core-auth';
import { refuseBlindCreateResends } from './aws/no-blind-resend.ts';
import { retryAfterPolicy } from './azure/lro.ts';
import { azureCallPolicy, observeAwsCalls, type CloudCallObserver } from './cloud-call-metrics.ts';

export interface CloudConfig {
  aws: { endpoint?: string; requestTimeoutMs: number };
  azure: { endpoint?: string; credential: TokenCredential };
  /** Told of every call to a cloud API (the worker's metrics); none by default. */
  observeCall?: CloudCallObserver;
}

export interface CloudClients {
  ec2(region: string): EC2Client;
  eks(region: string): EKSClient;
  /** IAM is global; its API lives in us-east-1. */
  iam(): IAMClient;
  sts(region: string): STSClient;
  /** Where generated root CA keys are kept, out of history (docs/domain-rules.md, "Plugged-in CA and rotation"). */
  secretsManager(region: string): SecretsManagerClient;
  /** Where STS is reached, for presigning EKS tokens; undefined means the real regional endpoint. */
  stsEndpoint?: string;
  containerService(subscriptionId: string): ContainerServiceClient;
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
  const observe = config.observeCall;
  const azureOptions = {
    ...(config.azure.endpoint ? { endpoint: config.azure.endpoint } : {}),
    additionalPolicies: [
      // Per call: the Retry-After that counts is the answer's after the SDK's own retries.
      { policy: retryAfterPolicy(), position: 'perCall' as const },
      ...(observe ? [{ policy: azureCallPolicy(observe), position: 'perRetry' as const }] : []),
    ],
  };
  const observed = <C extends EC2Client | EKSClient | IAMClient | STSClient | SecretsManagerClient>(client: C): C => (observe ? observeAwsCalls(client, observe) : client);
  let iam: IAMClient | undefined;
  // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes and
  // keeps waiting: a call the cloud never answers would hold its activity until the
  // activity's own timeout instead of failing and being retried.
  const aws = (region: string) => ({ region, endpoint: config.aws.endpoint, requestHandler: { requestTimeout: config.aws.requestTimeoutMs, throwOnRequestTimeout: true } });
  return {
    ec2: memo((region) => refuseBlindCreateResends(observed(new EC2Client(aws(region))))),
    eks: memo((region) => observed(new EKSClient(aws(region)))),
    iam: () => (iam ??= observed(new IAMClient(aws('us-east-1')))),
    sts: memo((region) => observed(new STSClient(aws(region)))),
    secretsManager: memo((region) => observed(new SecretsManagerClient(aws(region)))),
    stsEndpoint: config.aws.endpoint,
    containerService: memo((subscription) => new ContainerServiceClient(config.azure.credential, subscription, azureOptions)),
    network: memo((subscription) => new NetworkManagementClient(config.azure.credential, subscription, azureOptions)),
    resources: memo((subscription) => new ResourceManagementClient(config.azure.credential, subscription, azureOptions)),
  };
}
