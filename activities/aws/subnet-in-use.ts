/**
 * Why a subnet cannot be deleted yet. EC2 only says "has dependencies"; what holds a mesh's
 * subnet is nearly always a load balancer a LoadBalancer Service asked for (the east-west
 * gateway's). AWS releases its network interfaces a minute or two after the Service is
 * deleted, so the delete is retried; if the cluster went first, the load balancer is never
 * deleted, and the user must be told which one to remove.
 */
import { DescribeNetworkInterfacesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';

export async function subnetInUse(ec2: EC2Client, subnetId: string): Promise<ApplicationFailure> {
  const { NetworkInterfaces = [] } = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'subnet-id', Values: [subnetId] }] }));
  const held = NetworkInterfaces.map((eni) => `${eni.NetworkInterfaceId}${eni.Description ? ` ("${eni.Description}")` : ''}`);
  const what = held.length > 0 ? `network interface(s) ${held.join(', ')}` : 'something EC2 does not list as a network interface';
  return ApplicationFailure.retryable(
    `subnet ${subnetId} still holds ${what}. An "ELB net/…" interface belongs to the load balancer of a LoadBalancer Service: AWS releases it a minute or two after the Service is deleted; if its cluster was deleted first, delete that load balancer in EC2 and the teardown will go on`,
    'aws.DependencyViolation',
  );
}
