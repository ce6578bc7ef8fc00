/** The AWS network the Transit Gateway attaches to: a VPC and its subnets, created or existing. */
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type Subnet,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { dependency, ready, type ResourceHandler } from '../resource-handler.ts';
import { subnetInUse } from './subnet-in-use.ts';
import { identityFilters, tagSpecifications } from './tags.ts';

export function vpcHandler(clients: CloudClients): ResourceHandler<BackboneParams['aws.vpc'], Vpc> {
  return {
    async describe({ id, params }) {
      const { Vpcs } = await clients.ec2(params.scope.aws.region).send(new DescribeVpcsCommand({ Filters: identityFilters(params.scope, id) }));
      return Vpcs?.[0];
    },
    // EC2 answers the VPC it made: the engine takes it for its confirming describe, which EC2's lagging listing may not yet answer.
    async create({ id, params }) {
      const { Vpc } = await clients.ec2(params.scope.aws.region).send(
        new CreateVpcCommand({ CidrBlock: params.cidr, TagSpecifications: tagSpecifications('vpc', params.scope, id, params.name) }),
      );
      return Vpc;
    },
    phase: (vpc) => (vpc.State === 'available' ? ready() : { is: 'busy', detail: vpc.State ?? 'unknown' }),
    output: (vpc) => ({ cloudId: vpc.VpcId ?? '', state: vpc.State ?? 'unknown', attributes: { cidr: vpc.CidrBlock ?? '' } }),
    async delete(vpc, { params }) {
      await clients.ec2(params.scope.aws.region).send(new DeleteVpcCommand({ VpcId: vpc.VpcId }));
    },
    // Found by a tag-filtered listing, which EC2 keeps eventually consistent.
    listedLate: true,
  };
}

/** A VPC the user owns: verified, attached to, never created or deleted. */
export function existingVpcHandler(clients: CloudClients): ResourceHandler<BackboneParams['aws.existingVpc'], Vpc> {
  return {
    async describe({ params }) {
      const { Vpcs } = await clients.ec2(params.scope.aws.region).send(new DescribeVpcsCommand({ Filters: [{ Name: 'vpc-id', Values: [params.vpcId] }] }));
      return Vpcs?.[0];
    },
    async create({ params }) {
      throw ApplicationFailure.nonRetryable(`existing VPC ${params.vpcId} was not found in ${params.scope.aws.region}`, 'aws.VpcNotFound');
    },
    phase: (vpc, { params }) =>
      vpc.CidrBlock === params.cidr ? ready() : { is: 'failed', reason: `VPC ${params.vpcId} has CIDR ${vpc.CidrBlock}, the spec says ${params.cidr}` },
    output: (vpc) => ({ cloudId: vpc.VpcId ?? '', state: vpc.State ?? 'unknown', attributes: { cidr: vpc.CidrBlock ?? '' } }),
    async delete() {},
    ownership: () => ({ is: 'referenced' }),
  };
}

export function subnetHandler(clients: CloudClients): ResourceHandler<BackboneParams['aws.subnet'], Subnet> {
  return {
    async describe({ id, params }) {
      const { Subnets } = await clients.ec2(params.scope.aws.region).send(new DescribeSubnetsCommand({ Filters: identityFilters(params.scope, id) }));
      return Subnets?.[0];
    },
    // EC2 answers the subnet it made: the engine takes it for its confirming describe.
    async create({ id, params }, outputs) {
      const { Subnet } = await clients.ec2(params.scope.aws.region).send(
        new CreateSubnetCommand({
          VpcId: dependency(outputs, params.vpcNode).cloudId,
          CidrBlock: params.cidr,
          AvailabilityZone: params.availabilityZone,
          TagSpecifications: tagSpecifications('subnet', params.scope, id, params.name),
        }),
      );
      return Subnet;
    },
    phase: (subnet) => (subnet.State === 'available' ? ready() : { is: 'busy', detail: subnet.State ?? 'unknown' }),
    output: subnetOutput,
    async delete(subnet, { params }) {
      const ec2 = clients.ec2(params.scope.aws.region);
      try {
        await ec2.send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId }));
      } catch (error) {
        if ((error as { name?: string }).name !== 'DependencyViolation') throw error;
        throw await subnetInUse(ec2, subnet.SubnetId ?? '');
      }
    },
    // Found by a tag-filtered listing, which EC2 keeps eventually consistent.
    listedLate: true,
  };
}

export function existingSubnetHandler(clients: CloudClients): ResourceHandler<BackboneParams['aws.existingSubnet'], Subnet> {
  return {
    async describe({ params }) {
      const { Subnets } = await clients.ec2(params.scope.aws.region).send(
        new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: [params.subnetId] }] }),
      );
      return Subnets?.[0];
    },
    async create({ params }) {
      throw ApplicationFailure.nonRetryable(`existing subnet ${params.subnetId} was not found`, 'aws.SubnetNotFound');
    },
    phase: () => ready(),
    output: subnetOutput,
    async delete() {},
    ownership: () => ({ is: 'referenced' }),
  };
}

function subnetOutput(subnet: Subnet) {
  return { cloudId: subnet.SubnetId ?? '', state: subnet.State ?? 'unknown', attributes: { availabilityZone: subnet.AvailabilityZone ?? '' } };
}
