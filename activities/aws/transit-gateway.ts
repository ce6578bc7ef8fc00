/** The Transit Gateway and its VPC attachment. The SDK has no waiters for either; the engine polls. */
import {
  CreateTransitGatewayCommand,
  CreateTransitGatewayVpcAttachmentCommand,
  DeleteTransitGatewayCommand,
  DeleteTransitGatewayVpcAttachmentCommand,
  DescribeTransitGatewaysCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  type TransitGateway,
  type TransitGatewayVpcAttachment,
} from '@aws-sdk/client-ec2';
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { dependency, ready, type Phase, type ResourceHandler } from '../resource-handler.ts';
import { identityFilters, tagSpecifications } from './tags.ts';

const GONE = new Set(['deleted', 'deleting']);

export function transitGatewayHandler(clients: CloudClients): ResourceHandler<BackboneParams['aws.transitGateway'], TransitGateway> {
  return {
    async describe({ id, params }) {
      const { TransitGateways = [] } = await clients.ec2(params.scope.aws.region).send(
        new DescribeTransitGatewaysCommand({ Filters: identityFilters(params.scope, id) }),
      );
      return TransitGateways.find((tgw) => tgw.State !== 'deleted');
    },
    // EC2 answers the gateway it made (pending): the engine takes it for its first describe.
    async create({ id, params }) {
      const { TransitGateway } = await clients.ec2(params.scope.aws.region).send(
        new CreateTransitGatewayCommand({
          Description: `cellbridge backbone of mesh ${params.scope.mesh}`,
          Options: {
            AmazonSideAsn: params.amazonSideAsn,
            // ECMP spreads traffic over all four tunnels; the default tables carry BGP routes.
            VpnEcmpSupport: 'enable',
            DefaultRouteTableAssociation: 'enable',
            DefaultRouteTablePropagation: 'enable',
            DnsSupport: 'enable',
            AutoAcceptSharedAttachments: 'disable',
          },
          TagSpecifications: tagSpecifications('transit-gateway', params.scope, id, params.name),
        }),
      );
      return TransitGateway;
    },
    phase: (tgw, { params }) => {
      if (tgw.State === 'deleting') return { is: 'deleting' };
      if (tgw.State !== 'available') return { is: 'busy', detail: tgw.State ?? 'unknown' };
      const asn = tgw.Options?.AmazonSideAsn;
      // The ASN cannot change while VPN attachments exist; a mismatch needs a human.
      return asn === params.amazonSideAsn ? ready() : { is: 'failed', reason: `existing transit gateway has ASN ${asn}, the spec says ${params.amazonSideAsn}` };
    },
    output: (tgw) => ({ cloudId: tgw.TransitGatewayId ?? '', state: tgw.State ?? 'unknown', attributes: { amazonSideAsn: String(tgw.Options?.AmazonSideAsn ?? '') } }),
    async delete(tgw, { params }) {
      await clients.ec2(params.scope.aws.region).send(new DeleteTransitGatewayCommand({ TransitGatewayId: tgw.TransitGatewayId }));
    },
    // Found by a tag-filtered listing, which EC2 keeps eventually consistent.
    listedLate: true,
  };
}

export function transitGatewayAttachmentHandler(
  clients: CloudClients,
): ResourceHandler<BackboneParams['aws.transitGatewayVpcAttachment'], TransitGatewayVpcAttachment> {
  return {
    async describe({ id, params }) {
      const { TransitGatewayVpcAttachments = [] } = await clients.ec2(params.scope.aws.region).send(
        new DescribeTransitGatewayVpcAttachmentsCommand({ Filters: identityFilters(params.scope, id) }),
      );
      return TransitGatewayVpcAttachments.find((a) => a.State !== 'deleted');
    },
    async create({ id, params }, outputs) {
      const { TransitGatewayVpcAttachment } = await clients.ec2(params.scope.aws.region).send(
        new CreateTransitGatewayVpcAttachmentCommand({
          TransitGatewayId: dependency(outputs, params.transitGatewayNode).cloudId,
          VpcId: dependency(outputs, params.vpcNode).cloudId,
          SubnetIds: params.subnetNodes.map((n) => dependency(outputs, n).cloudId),
          TagSpecifications: tagSpecifications('transit-gateway-attachment', params.scope, id, params.name),
        }),
      );
      return TransitGatewayVpcAttachment;
    },
    phase: (attachment) => attachmentPhase(attachment.State),
    output: (a) => ({ cloudId: a.TransitGatewayAttachmentId ?? '', state: a.State ?? 'unknown' }),
    async delete(attachment, { params }) {
      await clients.ec2(params.scope.aws.region).send(
        new DeleteTransitGatewayVpcAttachmentCommand({ TransitGatewayAttachmentId: attachment.TransitGatewayAttachmentId }),
      );
    },
    // Found by a tag-filtered listing, which EC2 keeps eventually consistent.
    listedLate: true,
  };
}

function attachmentPhase(state: string | undefined): Phase {
  if (state === 'available') return ready();
  if (state !== undefined && GONE.has(state)) return { is: 'deleting' };
  if (state === 'failed' || state === 'rejected' || state === 'failing') return { is: 'failed', reason: `attachment is ${state}` };
  return { is: 'busy', detail: state ?? 'unknown' };
}
